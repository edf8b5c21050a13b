"""The Mongo store bounds what one process has in flight on the engine.

FerretDB 1.24 on PostgreSQL hangs for good when as many updates run at once as its own
PostgreSQL pool holds (each holds a connection for its read and waits for a second one to
write; measured in docs/mongodb-compat.md), so the client pool is small and configurable,
and ``rumah infra`` gives FerretDB a larger PostgreSQL pool than the processes together use.
"""

from pathlib import Path

import pytest

from infra.ferretdb_engine import POSTGRES_POOL
from services.kit.backends import BackendSettings, make_backends
from services.kit.store.mongo import MongoDocumentStore
from services.kit.store.mongo.store import MAX_CONNECTIONS


async def _pool_size(store: MongoDocumentStore) -> int:
    await store.start()  # connects lazily: no server needed
    try:
        return int(store.db.client.options.pool_options.max_pool_size)
    finally:
        await store.stop()


async def test_the_client_pool_is_bounded_by_default_and_by_setting(tmp_path: Path) -> None:
    assert await _pool_size(MongoDocumentStore("mongodb://127.0.0.1:1", "x")) == MAX_CONNECTIONS
    settings = BackendSettings(backend="kafka", data_dir=tmp_path, mongo_max_connections=5)
    store, _ = make_backends(settings)
    assert isinstance(store, MongoDocumentStore)
    assert await _pool_size(store) == 5


def test_the_hub_processes_together_stay_below_ferretdbs_postgres_pool() -> None:
    # six services and the ledger, each with one store client at the default pool size
    assert 7 * MAX_CONNECTIONS < POSTGRES_POOL


def test_a_pool_setting_out_of_range_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="mongo_max_connections"):
        BackendSettings(backend="kafka", data_dir=tmp_path, mongo_max_connections=0)
