"""Fixtures that run each contract suite against both adapters of a port.

``embedded`` = SQLite store + local log in a temporary directory; ``kafka`` = the real
Kafka and FerretDB started by ``rumah infra up`` (integration-marked). Each test gets its own
database and unique topic names, so tests never see each other's data.
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import orjson
import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import (
    ENVELOPE_SCHEMA,
    SCHEMA_DIR,
    Event,
    EventSchemas,
    load_schemas,
    new_event,
)
from services.kit.ports import DocumentStore, EventLog

ADAPTERS = ["embedded", pytest.param("kafka", marks=pytest.mark.integration)]


@pytest.fixture(params=ADAPTERS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings(backend: str, tmp_path: Path) -> BackendSettings:
    return BackendSettings(
        backend=backend,  # type: ignore[arg-type]
        data_dir=tmp_path,
        mongo_db=f"contract_{uuid.uuid4().hex[:12]}",
        connect_timeout_s=2.0,
        op_timeout_s=5.0,
        log_partitions=3,
    )


@pytest.fixture
async def backends(settings: BackendSettings) -> AsyncIterator[tuple[DocumentStore, EventLog]]:
    async with open_backends(settings) as (store, log):
        yield store, log
        if settings.backend == "kafka":
            await store.db.client.drop_database(settings.mongo_db)  # type: ignore[attr-defined]


@pytest.fixture
def store(backends: tuple[DocumentStore, EventLog]) -> DocumentStore:
    return backends[0]


@pytest.fixture
def event_log(backends: tuple[DocumentStore, EventLog]) -> EventLog:
    return backends[1]


@pytest.fixture
def new_topic() -> Callable[[], str]:
    """Fresh topic names (Kafka topics outlive a test)."""
    return lambda: f"contract.{uuid.uuid4().hex[:12]}"


TEST_TYPE = "id.go.serdangbedagaikab.test.permit.status_changed"


@pytest.fixture
def schemas(tmp_path: Path) -> EventSchemas:
    """The real envelope schema plus a small data schema for ``TEST_TYPE``."""
    directory = tmp_path / "schemas"
    directory.mkdir()
    shutil.copy(SCHEMA_DIR / ENVELOPE_SCHEMA, directory / ENVELOPE_SCHEMA)
    (directory / f"{TEST_TYPE}.schema.json").write_bytes(
        orjson.dumps(
            {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string"}, "n": {"type": "integer"}},
            }
        )
    )
    return load_schemas(directory)


def permit_event(subject: str, version: int, status: str = "diproses") -> Event:
    return new_event(
        type=TEST_TYPE,
        source="/services/perizinan",
        subject=subject,
        data={"status": status, "n": version},
        entity_version=version,
        opd="DPMPTSP",
    )
