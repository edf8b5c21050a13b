"""Ledger fixtures on the REAL engines (Kafka + FerretDB from `rumah infra up`).

Each test gets its own database and topic prefix (the database is dropped afterwards),
settings for an in-process ledger, the same settings as environment variables for the
`rumah` CLI and the service run as a process, and a PyMongo client for tampering behind the
ledger's back.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest
from ledger_engines import Cli
from pymongo import AsyncMongoClient

from bench.chaos.replicas import SMALL_BATCHES, a_ledger, settings_env
from services.kit.backends import BackendSettings
from services.kit.test_credentials import SigningKeys
from services.ledger.settings import LedgerSettings


@pytest.fixture
def ledger_settings(kafka_bootstrap: str, mongo_url: str) -> LedgerSettings:
    run = uuid.uuid4().hex[:10]
    backends = BackendSettings(
        backend="kafka",
        kafka_bootstrap=kafka_bootstrap,
        mongo_url=mongo_url,
        connect_timeout_s=3.0,
        op_timeout_s=10.0,
        log_partitions=3,
    )
    keys = SigningKeys().subgraph_settings()  # fresh for each test
    return a_ledger(backends, f"it_ledger_{run}", f"itl{run}", subgraph_auth=keys, **SMALL_BATCHES)


@pytest.fixture
def cli(ledger_settings: LedgerSettings) -> Cli:
    return Cli(settings_env(ledger_settings))


@pytest.fixture
async def mongo(
    ledger_settings: LedgerSettings, mongo_url: str
) -> AsyncIterator[AsyncMongoClient[dict[str, object]]]:
    """A PyMongo client on the engine; the test's database is dropped afterwards."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_url, serverSelectionTimeoutMS=5000
    )
    try:
        yield client
    finally:
        await client.drop_database(ledger_settings.db)
        await client.close()
