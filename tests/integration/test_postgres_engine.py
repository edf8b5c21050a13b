"""FerretDB on the PostgreSQL that ``rumah infra`` runs (``RUMAH_FERRETDB_BACKEND=postgresql``):
PostgreSQL runs from this checkout's var dir as a non-root user, listens on the loopback
address only, FerretDB really stores in it, and both come back from an outage with the data.
"""

from __future__ import annotations

import os
import pwd
import uuid
from pathlib import Path

import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from infra.engines import Engines
from infra.ferretdb_engine import POSTGRES_POOL
from infra.postgres_engine import data_dir, psql
from infra.settings import InfraSettings

pytestmark = pytest.mark.integration
MAX_STALE_CONNECTIONS = POSTGRES_POOL + 1  # each stale pooled connection fails once


@pytest.fixture
def pg_settings(infra_settings: InfraSettings) -> InfraSettings:
    if infra_settings.ferretdb_backend != "postgresql":
        pytest.fail(
            "these tests need FerretDB on PostgreSQL (RUMAH_FERRETDB_BACKEND=postgresql, "
            "the default that `make test` uses)",
            pytrace=False,
        )
    return infra_settings


def _uid_of(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Uid:"):
            return int(line.split()[1])
    raise AssertionError(f"no Uid line for pid {pid}")


async def test_postgres_runs_from_var_as_a_non_root_user_on_loopback_only(
    pg_settings: InfraSettings, engines: Engines
) -> None:
    pid = engines.pid("postgres")
    assert pid is not None
    data = data_dir(pg_settings)
    assert (data / "PG_VERSION").exists()
    if os.geteuid() == 0:  # postgres refuses root: it runs as the OS user that owns its data
        user = pwd.getpwnam(pg_settings.postgres_os_user)
        assert _uid_of(pid) == user.pw_uid == data.stat().st_uid
    assert (data.stat().st_mode & 0o777) == 0o700
    shown = await psql(pg_settings, "SHOW listen_addresses; SHOW password_encryption")
    assert shown.split() == ["127.0.0.1", "scram-sha-256"]


async def test_ferretdb_stores_its_documents_in_postgres(
    pg_settings: InfraSettings, mongo_url: str
) -> None:
    db_name = f"it_pg_{uuid.uuid4().hex[:10]}"
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    try:
        await client[db_name]["permits"].insert_one({"_id": "izin-1", "status": "diajukan"})
        # FerretDB 1.x keeps a MongoDB database as a PostgreSQL schema of its database.
        schemas = await psql(
            pg_settings,
            f"SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{db_name}'",
            database="ferretdb",
        )
        assert schemas.split() == [db_name]
    finally:
        await client.drop_database(db_name)
        await client.close()


async def test_a_new_collection_is_found_by_id_through_an_index_not_a_table_scan(
    pg_settings: InfraSettings, mongo_url: str
) -> None:
    db_name = f"it_pg_{uuid.uuid4().hex[:10]}"
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    try:
        coll = client[db_name]["permits"]
        await coll.insert_many([{"_id": f"izin-{i}", "status": "diajukan"} for i in range(500)])
        await coll.update_one({"_id": "izin-7"}, {"$set": {"status": "disetujui"}})
        assert await coll.find_one({"_id": "izin-7"}) == {"_id": "izin-7", "status": "disetujui"}
        [table] = (
            await psql(
                pg_settings,
                "SELECT quote_ident(schemaname) || '.' || quote_ident(tablename) FROM "
                f"pg_tables WHERE schemaname = '{db_name}' AND tablename LIKE 'permits%'",
                database="ferretdb",
            )
        ).split()
        # FerretDB's own query for find_one({_id}) / update_one({_id}), as a prepared
        # statement (the field name is a parameter), explained as PostgreSQL runs it.
        plan = await psql(
            pg_settings,
            f"PREPARE q(text, jsonb) AS SELECT _jsonb FROM {table} WHERE _jsonb->$1 @> $2; "
            + "EXECUTE q('_id', '\"izin-7\"'); " * 6
            + "EXPLAIN EXECUTE q('_id', '\"izin-7\"');",
            database="ferretdb",
        )
        assert "_id_lookup" in plan and "Seq Scan" not in plan, plan
    finally:
        await client.drop_database(db_name)
        await client.close()


async def test_ferretdb_fails_fast_while_postgres_is_down_and_keeps_the_data(
    pg_settings: InfraSettings, engines: Engines, mongo_url: str
) -> None:
    db_name = f"it_pg_{uuid.uuid4().hex[:10]}"
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_url, serverSelectionTimeoutMS=2000, timeoutMS=5000
    )
    try:
        docs = client[db_name]["docs"]
        await docs.insert_one({"_id": "a", "n": 1})
        await engines.stop("postgres")
        assert {s.state for s in await engines.status("postgres")} == {"stopped"}
        with pytest.raises(PyMongoError):
            await docs.find_one({"_id": "a"})

        await engines.start("postgres")
        # FerretDB's pool still holds the connections PostgreSQL closed when it stopped (as
        # many as earlier concurrent work opened): each fails one command, then it is dropped.
        found = None
        for _ in range(MAX_STALE_CONNECTIONS):
            try:
                found = await docs.find_one({"_id": "a"})
                break
            except PyMongoError as exc:
                assert "57P01" in str(exc), exc  # terminated by the restart, nothing else
        assert found == {"_id": "a", "n": 1}
        await docs.update_one({"_id": "a"}, {"$inc": {"n": 1}})
        assert await docs.find_one({"_id": "a"}) == {"_id": "a", "n": 2}
    finally:
        await client.drop_database(db_name)
        await client.close()
