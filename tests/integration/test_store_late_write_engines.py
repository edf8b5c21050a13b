"""A write the client gave up on must not land over a later one (FerretDB, single writer).

FerretDB keeps executing a request whose client timed out. Here a lock on its backend is held
from outside (as a long write of its own would): on PostgreSQL the document's row
(``SELECT … FOR UPDATE`` in an open transaction), on SQLite the database's write lock. A
write times out while FerretDB waits for the lock; the service then writes the same document
again with newer content. When the lock is released the late write executes — and must not
leave the older content behind."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from infra.postgres_engine import bin_dir, password, psql
from infra.settings import InfraSettings
from services.kit.ports import StoreUnavailable, VersionConflict
from services.kit.store.mongo import MongoDocumentStore

pytestmark = pytest.mark.integration


@pytest.fixture
async def store(mongo_url: str) -> AsyncIterator[MongoDocumentStore]:
    s = MongoDocumentStore(
        mongo_url, f"it_late_{uuid.uuid4().hex[:8]}", op_timeout_s=5.0, write_timeout_s=1.0
    )
    await s.start()
    try:
        yield s
    finally:
        await s.db.client.drop_database(s.db.name)
        await s.stop()


@contextmanager
def sqlite_write_lock(db_file: Path) -> Iterator[None]:
    """Hold the database's write lock (FerretDB's writers wait, its readers do not: WAL)."""
    conn = sqlite3.connect(db_file, isolation_level=None, timeout=30)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


@contextlib.asynccontextmanager
async def postgres_row_lock(settings: InfraSettings, schema: str) -> AsyncIterator[None]:
    """Lock every row of the schema's permit table in an open transaction (FerretDB's writers
    of those rows wait, its readers do not), released on exit."""
    [table] = (
        await psql(
            settings,
            (
                "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM "
                f"information_schema.tables WHERE table_schema = '{schema}' "
                "AND table_name LIKE 'permit%'"
            ),
            database="ferretdb",
        )
    ).split()
    binaries = bin_dir(settings)
    assert binaries is not None
    held = await asyncio.create_subprocess_exec(
        str(binaries / "psql"),
        "-h",
        "127.0.0.1",
        "-p",
        str(settings.postgres_port),
        "-U",
        settings.postgres_user,
        "-d",
        "ferretdb",
        "-X",
        "-q",
        "-tA",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        env={"PGPASSWORD": password(settings)},
    )
    assert held.stdin is not None and held.stdout is not None
    held.stdin.write(f"BEGIN;\nSELECT 1 FROM {table} FOR UPDATE;\n".encode())
    await held.stdin.drain()
    assert (await asyncio.wait_for(held.stdout.readline(), 30)).strip() == b"1"  # locked
    try:
        yield
    finally:
        held.stdin.write(b"ROLLBACK;\n")
        held.stdin.close()
        await asyncio.wait_for(held.wait(), 30)


@contextlib.asynccontextmanager
async def backend_lock(settings: InfraSettings, db_name: str) -> AsyncIterator[None]:
    if settings.ferretdb_backend == "postgresql":
        async with postgres_row_lock(settings, db_name):
            yield
        return
    db_file = settings.var_dir / "ferretdb" / "data" / f"{db_name}.sqlite"
    assert db_file.exists(), f"FerretDB's SQLite file {db_file}"
    with sqlite_write_lock(db_file):
        yield


async def test_a_timed_out_write_that_lands_late_does_not_undo_a_newer_one(
    store: MongoDocumentStore, infra_settings: InfraSettings
) -> None:
    permits = store.collection("permit")
    assert await permits.put({"_id": "p1", "status": "submitted"}, expected_version=0) == 1
    assert await store.single_writer()

    async with backend_lock(infra_settings, store.db.name):
        with pytest.raises(StoreUnavailable):  # times out while FerretDB waits for the lock
            await permits.put({"_id": "p1", "status": "verified"}, expected_version=1)
        # The service tries again with what the upstream says now: it must not be allowed
        # to write while the first write may still land.
        with pytest.raises(StoreUnavailable, match="may still be applied"):
            await permits.put({"_id": "p1", "status": "approved"}, expected_version=1)
    # lock released: the late write executes now (FerretDB's busy timeout is 10 s)

    written = None
    for _ in range(200):
        current = await permits.get("p1")
        assert current is not None
        try:
            written = await permits.put(
                {"_id": "p1", "status": "approved"}, expected_version=current["_v"]
            )
            break
        except (StoreUnavailable, VersionConflict):
            await asyncio.sleep(0.1)
    assert written is not None, "the document stayed fenced"
    await asyncio.sleep(1.0)  # anything still in flight has landed by now
    final = await permits.get("p1")
    assert final is not None
    assert (final["status"], final["_v"]) == ("approved", written)
