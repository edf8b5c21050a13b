"""FerretDB stopped for real (`rumah infra stop ferretdb`): the service says which engine is
down and what fixes it, answers queries at once with a coded error and no driver text, the
gateway's readiness probe sees it, and everything recovers when the engine is back."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from gateway.client import probe_subgraphs, subgraph_transport
from gateway.client.probe import health_session
from gateway.ports import SubgraphInfo
from infra.engines import Engines
from services.kit.testing import eventually
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration
DRIVER_TEXT = ("Topology", "ServerSelection", "AutoReconnect", "Traceback")
QUERY = {"query": "{ permitApplications(first: 1) { items { id } } }"}


def _signed(hub: Any) -> Any:
    """The credential the gateway signs for this subgraph (a direct call gets 401)."""
    return hub.keys.headers(SPEC.name)


def _infra(*args: str) -> None:
    """The command an operator (or a test of an outage) runs."""
    done = subprocess.run(
        [sys.executable, "-m", "rumah.cli", "infra", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr


async def test_a_stopped_store_is_named_coded_and_recovered(
    open_hub: Any, engines: Engines
) -> None:
    async with open_hub(SPEC) as hub:
        async with hub.http.post(f"{hub.url}/graphql", json=QUERY, headers=_signed(hub)) as r:
            assert "errors" not in await r.json()
        _infra("stop", "ferretdb")

        async def store_down() -> dict[str, Any] | None:
            status, body = await hub.ready()
            return body if status == 503 and "store" in body["failing"] else None

        body = await eventually(store_down, timeout_s=60, what="the store reported down")
        reason = body["failing"]["store"]
        assert reason.startswith("mongodb at mongodb://") and "unreachable since" in reason
        assert "make infra-up" in reason and "RUMAH_MONGO_URL" in reason
        assert not any(t in str(body) for t in DRIVER_TEXT)

        async def coded() -> dict[str, Any] | None:
            try:
                async with hub.http.post(
                    f"{hub.url}/graphql", json=QUERY, headers=_signed(hub)
                ) as r:
                    answer = await r.json()
            except TimeoutError:  # a read that began before the gate knew: ask again
                return None
            errors = answer.get("errors") or [{}]
            return answer if errors[0].get("extensions", {}).get("since") else None

        answer = await eventually(coded, timeout_s=60, what="a coded UNAVAILABLE error")
        extensions = answer["errors"][0]["extensions"]
        assert (extensions["code"], extensions["engine"]) == ("UNAVAILABLE", "mongodb")
        assert not any(t in str(answer) for t in DRIVER_TEXT)

        # what the gateway's /health/ready asks each subgraph
        subgraphs = {"licensing": SubgraphInfo("licensing", f"{hub.url}/graphql")}
        async with subgraph_transport() as transport, health_session() as session:
            report = await probe_subgraphs(
                transport, subgraphs, 5.0, session=session, health_path="/health/ready"
            )
        entry = report["licensing"]
        assert entry["reachable"] is True and entry["ready"] is False
        assert "mongodb at" in entry["failing"]["store"]
        assert "unreachable since" in entry["failing"]["store"]

        _infra("start", "ferretdb")
        await eventually(lambda: _status(hub, 200), timeout_s=90, what="ready again")
        async with hub.http.post(f"{hub.url}/graphql", json=QUERY, headers=_signed(hub)) as r:
            assert "errors" not in await r.json()


async def _status(hub: Any, status: int) -> bool:
    got, _ = await hub.ready()
    return bool(got == status)


async def test_a_stopped_kafka_is_named_and_reads_go_on(open_hub: Any, engines: Engines) -> None:
    async with open_hub(SPEC) as hub:
        _infra("stop", "kafka")

        async def log_down() -> dict[str, Any] | None:
            status, body = await hub.ready()
            return body if status == 503 and "log" in body["failing"] else None

        body = await eventually(log_down, timeout_s=90, what="the log reported down")
        reason = body["failing"]["log"]
        assert reason.startswith("kafka at ") and "unreachable since" in reason
        assert "make infra-up" in reason and "RUMAH_KAFKA_BOOTSTRAP" in reason
        assert "store" not in body["failing"]
        # reads need only the store: they are answered while the log is down
        async with hub.http.post(f"{hub.url}/graphql", json=QUERY, headers=_signed(hub)) as r:
            answer = await r.json()
        assert "errors" not in answer and answer["data"]["permitApplications"]["items"]
        _infra("start", "kafka")
        await eventually(lambda: _status(hub, 200), timeout_s=120, what="ready again")
