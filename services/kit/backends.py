"""Backend selection is configuration: ``RUMAH_BACKEND=embedded|kafka``.

``embedded`` = SQLite document store + local SQLite event log under ``RUMAH_DATA_DIR``;
``kafka`` = MongoDB (FerretDB here) + Apache Kafka. See docs/ports.md for every variable.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Literal

from pydantic import Field

from rumah.common.kafka_client import KafkaClientSettings
from services.kit.ports import DocumentStore, EventLog


class BackendSettings(KafkaClientSettings):
    # embedded: SQLite store and log under DATA_DIR; kafka: Kafka + MongoDB/FerretDB
    backend: Literal["embedded", "kafka"] = "embedded"
    # where the embedded store and log live
    data_dir: Path = Path("var/data")
    # Kafka bootstrap servers (backend=kafka)
    kafka_bootstrap: str = "127.0.0.1:9092"
    # MongoDB / FerretDB URL (backend=kafka)
    mongo_url: str = "mongodb://127.0.0.1:27017"
    # database used when a component does not name its own (services: rumah_<service>)
    mongo_db: str = "rumah"
    # seconds to reach an engine before it counts as down
    connect_timeout_s: float = Field(3.0, gt=0)
    # seconds per store / log operation
    op_timeout_s: float = Field(10.0, gt=0)
    # seconds a MongoDB write waits for its answer (longer: one given up on may still apply)
    store_write_timeout_s: float = Field(60.0, gt=0)
    # MongoDB client pool: the most store operations one process has in flight at once
    # (FerretDB on PostgreSQL hangs when all processes together reach its pool_max_conns)
    mongo_max_connections: int = Field(16, ge=1, le=100)
    # partitions of topics the hub creates
    log_partitions: int = Field(3, ge=1)
    # SQLite durability: NORMAL (WAL) or FULL (fsync each commit)
    sqlite_synchronous: Literal["NORMAL", "FULL"] = "NORMAL"


def make_backends(
    settings: BackendSettings, *, db: str | None = None, shared: bool = False
) -> tuple[DocumentStore, EventLog]:
    """Build (not start) the store and the log that ``settings`` select.

    ``shared``: other processes write this database too (replicas): the MongoDB store
    then checks versions in the engine, not in a single writer's memory.
    ``db`` overrides ``RUMAH_MONGO_DB`` (a service names its own database); the embedded
    store file is ``<data_dir>/<db>.store.sqlite3``, the log ``<data_dir>/eventlog.sqlite3``.
    """
    name = db or settings.mongo_db
    if settings.backend == "kafka":
        from services.kit.eventlog.kafka import KafkaEventLog
        from services.kit.store.mongo import MongoDocumentStore

        return (
            MongoDocumentStore(
                settings.mongo_url,
                name,
                connect_timeout_s=settings.connect_timeout_s,
                op_timeout_s=settings.op_timeout_s,
                write_timeout_s=settings.store_write_timeout_s,
                single_writer=False if shared else None,
                max_connections=settings.mongo_max_connections,
            ),
            KafkaEventLog(
                settings.kafka_bootstrap,
                connect_timeout_s=settings.connect_timeout_s,
                op_timeout_s=settings.op_timeout_s,
                default_partitions=settings.log_partitions,
                client=settings,
            ),
        )
    from services.kit.eventlog.local import LocalEventLog
    from services.kit.store.sqlite import SqliteDocumentStore

    return (
        SqliteDocumentStore(
            settings.data_dir / f"{name}.store.sqlite3",
            busy_timeout_s=settings.op_timeout_s,
            synchronous=settings.sqlite_synchronous,
        ),
        LocalEventLog(
            settings.data_dir / "eventlog.sqlite3",
            default_partitions=settings.log_partitions,
            busy_timeout_s=settings.op_timeout_s,
            synchronous=settings.sqlite_synchronous,
        ),
    )


@asynccontextmanager
async def open_backends(
    settings: BackendSettings, *, db: str | None = None, shared: bool = False
) -> AsyncIterator[tuple[DocumentStore, EventLog]]:
    """Start the selected (store, log) and stop them on exit.

    Starting never fails because an engine is down: the scale-out adapters connect lazily and
    raise ``StoreUnavailable``/``LogUnavailable`` per call until it is back (see readiness).

    >>> async with open_backends(load_settings(BackendSettings)) as (store, log): ...
    """
    store, log = make_backends(settings, db=db, shared=shared)
    async with AsyncExitStack() as stack:
        await store.start()
        stack.push_async_callback(store.stop)
        await log.start()
        stack.push_async_callback(log.stop)
        yield store, log
