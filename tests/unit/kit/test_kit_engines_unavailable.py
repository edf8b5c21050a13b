"""A down engine is named, with since when and what fixes it; requests fail at once with a
coded error and no driver text reaches a client."""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from graphql import GraphQLError
from pymongo.errors import OperationFailure, ServerSelectionTimeoutError

from rumah.common.logs import log_context
from rumah.preflight import report, unreachable
from services.kit.app import create_app
from services.kit.backends import BackendSettings
from services.kit.engine_gate import EngineDown, EngineGate, GatedStore, described
from services.kit.engines import engines_of, redact_url
from services.kit.graphql.errors import client_safe
from services.kit.ports import LogUnavailable, StoreUnavailable
from services.kit.settings import ServiceSettings
from services.kit.store.sqlite import SqliteDocumentStore
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, serve_app
from services.kit.webhooks import sign
from services.licensing.bootstrap import SPEC

KEYS = SigningKeys()
SECRET = "whsec_" + base64.b64encode(b"rahasia-aplikasi-perizinan-32byt").decode()

CLOSED = "127.0.0.1:1"
DRIVER_TEXT = ("Topology", "ServerSelection", "127.0.0.1:1", "Traceback")
T0 = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017"),
        (
            "mongodb://app:s3cret@db:27017/?replicaSet=rs0",
            "mongodb://app:***@db:27017/?replicaSet=rs0",
        ),
        ("mongodb://app@a:1,b:2/x", "mongodb://app@a:1,b:2/x"),
        (
            "mongodb://h/?tlsCertificateKeyFilePassword=pw&w=1",
            "mongodb://h/?tlsCertificateKeyFilePassword=***&w=1",
        ),
    ],
)
def test_urls_are_shown_without_their_secrets(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_each_backend_names_its_engines_and_the_fix(tmp_path: Path) -> None:
    kafka = engines_of(BackendSettings(backend="kafka", mongo_url="mongodb://u:p@m:1"), "rumah_x")
    assert (kafka["store"].name, kafka["log"].name) == ("mongodb", "kafka")
    assert kafka["store"].address == "mongodb://u:***@m:1 (database rumah_x)"
    assert "make infra-up" in kafka["store"].fix and "RUMAH_MONGO_URL" in kafka["store"].fix
    assert "RUMAH_KAFKA_BOOTSTRAP" in kafka["log"].fix
    embedded = engines_of(BackendSettings(data_dir=tmp_path), "rumah_x")
    assert embedded["store"].address == str(tmp_path / "rumah_x.store.sqlite3")
    assert "RUMAH_DATA_DIR" in embedded["log"].fix


class _Clock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_the_gate_closes_after_two_failed_probes_and_opens_on_success(
    tmp_path: Path,
) -> None:
    clock = _Clock()
    gate = EngineGate(engines_of(BackendSettings(data_dir=tmp_path)), clock)
    inner = SqliteDocumentStore(tmp_path / "s.sqlite3")
    await inner.start()
    try:
        store = GatedStore(inner, gate)
        coll = store.collection("c")
        await coll.put({"_id": "a"}, expected_version=0)
        gate.record("store", "ServerSelectionTimeoutError: … Topology Description …")
        assert await coll.get("a") is not None  # one slow probe is not an outage
        clock.now = T0 + timedelta(seconds=5)
        gate.record("store", "again")
        gate.record("upstream", "not an engine")  # ignored
        with pytest.raises(EngineDown) as raised:
            await coll.get("a")
        assert raised.value.outage.since == T0 and raised.value.outage.engine.name == "sqlite"
        await store.ping()  # probes are not gated: they are how the gate opens again
        reasons = described({"store": "ServerSelectionTimeoutError: Topology", "x": "y"}, gate)
        assert reasons["x"] == "y"
        assert reasons["store"].startswith(f"sqlite at {tmp_path}")
        assert "since 2026" in reasons["store"]
        assert "Topology" not in reasons["store"] and "RUMAH_DATA_DIR" in reasons["store"]
        gate.record("store", None)
        assert gate.outage("store") is None and await coll.get("a") is not None
    finally:
        await inner.stop()


def _error(original: Exception) -> GraphQLError:
    return GraphQLError("raw", path=["permitApplications"], original_error=original)


def test_unavailable_errors_are_coded_and_name_the_engine_not_the_driver() -> None:
    gate = EngineGate(engines_of(BackendSettings(backend="kafka")), lambda: T0)
    raw = StoreUnavailable("mongodb: ServerSelectionTimeoutError: 127.0.0.1:1 Topology Description")
    safe = client_safe(_error(raw), gate)
    assert safe.extensions == {"code": "UNAVAILABLE", "engine": "mongodb"}
    gate.record("store", "x")
    safe = client_safe(_error(raw), gate)
    assert safe.extensions == {
        "code": "UNAVAILABLE",
        "engine": "mongodb",
        "since": "2026-03-10T03:00:00+00:00",
    }
    assert safe.path == ["permitApplications"]
    assert "mongodb" in safe.message and "sejak" in safe.message
    assert not any(t in safe.message for t in DRIVER_TEXT)
    log_down = client_safe(_error(LogUnavailable("kafka …")), gate)
    assert (log_down.extensions or {})["engine"] == "kafka"


def test_a_driver_exception_becomes_an_internal_error_with_the_request_id() -> None:
    with log_context(request_id="req-9"):
        safe = client_safe(_error(OperationFailure("Topology of 127.0.0.1:1")), None)
    assert safe.extensions == {"code": "INTERNAL_SERVER_ERROR", "requestId": "req-9"}
    assert "req-9" in safe.message and not any(t in safe.message for t in DRIVER_TEXT)
    wrapped = RuntimeError("wrapper")
    wrapped.__cause__ = ServerSelectionTimeoutError("Topology")
    assert (client_safe(_error(wrapped), None).extensions or {})["code"] == "INTERNAL_SERVER_ERROR"


def test_the_resolvers_own_errors_are_left_alone() -> None:
    coded = GraphQLError("forbidden", extensions={"code": "FORBIDDEN"})
    assert client_safe(GraphQLError("x", original_error=coded), None).original_error is coded
    bad_input = _error(ValueError("invalid cursor"))
    assert client_safe(bad_input, None) is bad_input


@pytest.fixture
async def down_service(tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    settings = ServiceSettings(
        backends=BackendSettings(
            backend="kafka",
            kafka_bootstrap=CLOSED,
            mongo_url=f"mongodb://{CLOSED}",
            connect_timeout_s=0.3,
            op_timeout_s=1.0,
            data_dir=tmp_path,
        ),
        pull=False,
        subgraph_auth=KEYS.subgraph_settings(),
        webhook_secret=SECRET,
    )  # type: ignore[call-arg]
    async with (
        serve_app(create_app(SPEC, settings, "http://127.0.0.1:1")) as url,
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=20)) as http,
    ):
        yield url, http


async def _ready(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    async with http.get(f"{url}/health/ready") as r:
        assert r.status == 503
        return dict(await r.json())


async def test_a_service_whose_engines_are_down_says_so_and_answers_at_once(
    down_service: tuple[str, aiohttp.ClientSession],
) -> None:
    url, http = down_service

    async def outage_known() -> bool:
        failing = (await _ready(http, url))["failing"]
        return "unreachable since" in failing.get("store", "")

    await eventually(outage_known, timeout_s=30, what="the store outage known")
    failing = (await _ready(http, url))["failing"]
    store = "mongodb at mongodb://127.0.0.1:1 (database rumah_licensing) unreachable since"
    assert failing["store"].startswith(store)
    assert "make infra-up" in failing["store"] and "RUMAH_MONGO_URL" in failing["store"]
    assert "kafka at 127.0.0.1:1 unreachable since" in failing["log"]
    assert not any(t in str(failing) for t in ("Topology", "ServerSelection"))

    query = {"query": "{ permitApplications(first: 1) { items { id } } }"}
    async with http.post(f"{url}/graphql", json=query, headers=KEYS.headers("licensing")) as r:
        body = await r.json()
    [error] = body["errors"]
    assert body["data"] is None
    assert error["extensions"]["code"] == "UNAVAILABLE"
    assert error["extensions"]["engine"] == "mongodb"
    assert error["extensions"]["since"].startswith("20")
    assert not any(t in str(body) for t in DRIVER_TEXT)

    raw = b'{"data": []}'
    signed = {"content-type": "application/json", **sign(SECRET, raw)}
    async with http.post(f"{url}/webhook/permohonan", data=raw, headers=signed) as r:
        text = await r.text()
    assert r.status == 503 and not any(t in text for t in DRIVER_TEXT)


def test_start_up_names_each_unreachable_engine_and_its_fix() -> None:
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        port = listening.getsockname()[1]
        mongo_up = BackendSettings(
            backend="kafka", kafka_bootstrap=CLOSED, mongo_url=f"mongodb://u:pw@127.0.0.1:{port}"
        )
        assert [e.name for e in unreachable(mongo_up)] == ["kafka"]
        both_down = BackendSettings(
            backend="kafka",
            kafka_bootstrap=f"{CLOSED},127.0.0.1:2",
            mongo_url=f"mongodb://u:pw@{CLOSED}",
        )
        text = report(unreachable(both_down))
        kafka_up = BackendSettings(
            backend="kafka",
            kafka_bootstrap=f"{CLOSED},127.0.0.1:{port}",
            mongo_url=f"mongodb://{CLOSED}",
        )
        assert [e.name for e in unreachable(kafka_up)] == ["mongodb"]
    assert "mongodb" in text and "kafka" in text and "u:***@" in text and "pw" not in text
    assert "make infra-up" in text and "RUMAH_MONGO_URL" in text
    assert "RUMAH_KAFKA_BOOTSTRAP" in text
    assert unreachable(BackendSettings()) == []  # embedded: nothing to reach
