"""Health endpoints, CORS, WebSocket dispatch and lifespan of the ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, MutableMapping
from contextlib import asynccontextmanager
from typing import Any

from http_driver import call, harness

from gateway.app import GatewayApp
from gateway.http.cors import CORSMiddleware
from gateway.ports import SubgraphInfo
from gateway.web.asgi import Receive, Scope, Send


class NoSubgraph:
    async def fetch(self, request: Any) -> Any:
        raise AssertionError("not called")


async def test_health_is_503_until_loaded_then_200() -> None:
    h = harness(NoSubgraph(), loaded=False)
    r = await call(h.app, "GET", "/health")
    assert (r.status, r.json()) == (503, {"status": "loading"})
    loaded = harness(NoSubgraph())
    r = await call(loaded.app, "GET", "/health")
    assert (r.status, r.json()) == (200, {"status": "ok"})


async def test_ready_reports_each_subgraph() -> None:
    async def prober(subgraphs: Mapping[str, SubgraphInfo]) -> dict[str, dict[str, Any]]:
        return {
            name: {"url": info.url, "reachable": False, "error": "refused"}
            for name, info in subgraphs.items()
        }

    h = harness(NoSubgraph(), prober=prober)
    r = await call(h.app, "GET", "/health/ready")
    assert r.status == 503
    body = r.json()
    assert body["status"] == "degraded"
    assert body["subgraphs"]["accounts"]["reachable"] is False

    async def happy(subgraphs: Mapping[str, SubgraphInfo]) -> dict[str, dict[str, Any]]:
        return {name: {"url": info.url, "reachable": True} for name, info in subgraphs.items()}

    h = harness(NoSubgraph(), prober=happy)
    r = await call(h.app, "GET", "/health/ready")
    assert (r.status, r.json()["status"]) == (200, "ok")


async def test_cors_preflight_and_simple_response() -> None:
    h = harness(NoSubgraph())
    app = CORSMiddleware(
        h.app, allow_origins=["https://app.example"], allow_headers=["content-type"]
    )
    r = await call(
        app,
        "OPTIONS",
        headers={"origin": "https://app.example", "access-control-request-method": "POST"},
    )
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    r = await call(app, "GET", "/health", headers={"origin": "https://app.example"})
    assert r.headers["access-control-allow-origin"] == "https://app.example"
    r = await call(app, "GET", "/health", headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in r.headers


async def _websocket(app: Any, path: str = "/graphql") -> list[MutableMapping[str, Any]]:
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "websocket.connect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app({"type": "websocket", "path": path, "headers": []}, receive, send)
    return sent


async def test_websocket_goes_to_the_pluggable_handler_or_is_refused() -> None:
    h = harness(NoSubgraph())
    assert await _websocket(h.app) == [{"type": "websocket.close", "code": 1008}]

    async def handler(scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})

    app = GatewayApp(graphql=h.app.graphql, health=h.app.health, websocket=handler)
    assert await _websocket(app) == [
        {"type": "websocket.accept", "subprotocol": "graphql-transport-ws"}
    ]


async def test_lifespan_enters_and_exits_the_context_manager() -> None:
    events: list[str] = []

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        events.append("start")
        yield
        events.append("stop")

    h = harness(NoSubgraph())
    app = GatewayApp(graphql=h.app.graphql, health=h.app.health, lifespan=lifespan)
    incoming = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return incoming.pop(0)

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app({"type": "lifespan"}, receive, send)
    assert events == ["start", "stop"]
    assert [m["type"] for m in sent] == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
