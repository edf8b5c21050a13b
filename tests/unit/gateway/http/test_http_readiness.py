"""The gateway's readiness includes each subgraph's own readiness, probed at most once per
period however often it is asked."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from http_driver import call, harness
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gateway.client import probe_subgraphs, subgraph_transport
from gateway.client.probe import health_session, health_url
from gateway.http.health import HealthEndpoint
from gateway.ports import SubgraphInfo
from services.kit.testing import serve_app


def _subgraph(ready: int | None, failing: Any = None) -> Starlette:
    async def graphql(request: Request) -> Response:
        return JSONResponse({"data": {"__typename": "Query"}})

    async def health(request: Request) -> Response:
        return JSONResponse({"status": "degraded", "failing": failing}, status_code=ready or 200)

    routes = [Route("/graphql", graphql, methods=["POST"])]
    if ready is not None:
        routes.append(Route("/health/ready", health))
    return Starlette(routes=routes)


def test_the_readiness_url_is_on_the_subgraphs_origin() -> None:
    assert health_url("http://svc:4004/graphql?x=1", "/health/ready") == (
        "http://svc:4004/health/ready"
    )


async def test_each_subgraph_is_asked_whether_it_is_ready() -> None:
    down = {
        "store": "mongodb at mongodb://db:27017 unreachable since …; make infra-up",
        "x" * 100: "y" * 1000,
    }
    async with (
        serve_app(_subgraph(200)) as ready_url,
        serve_app(_subgraph(503, down)) as degraded_url,
        serve_app(_subgraph(None)) as plain_url,
        serve_app(_subgraph(503, "not a map")) as odd_url,
        subgraph_transport() as transport,
        health_session() as session,
    ):
        subgraphs = {
            "ready": SubgraphInfo("ready", f"{ready_url}/graphql"),
            "degraded": SubgraphInfo("degraded", f"{degraded_url}/graphql"),
            "plain": SubgraphInfo("plain", f"{plain_url}/graphql"),
            "odd": SubgraphInfo("odd", f"{odd_url}/graphql"),
            "gone": SubgraphInfo("gone", "http://127.0.0.1:1/graphql"),
        }
        report = await probe_subgraphs(
            transport, subgraphs, 2.0, session=session, health_path="/health/ready"
        )
        without_health = await probe_subgraphs(transport, subgraphs, 2.0)
    assert report["ready"]["ready"] is True and "failing" not in report["ready"]
    assert report["degraded"]["reachable"] is True and report["degraded"]["ready"] is False
    assert report["degraded"]["failing"]["store"].startswith("mongodb at")
    assert len(report["degraded"]["failing"]["x" * 64]) == 300  # long reasons are cut
    assert report["plain"]["ready"] is True  # no readiness endpoint: its GraphQL answer counts
    assert report["odd"]["failing"] == {"health": "HTTP 503"}
    assert report["gone"]["reachable"] is False and report["gone"]["ready"] is False
    assert without_health["degraded"]["ready"] is True  # health path "": GraphQL only


async def test_a_not_ready_subgraph_makes_the_gateway_not_ready() -> None:
    async def prober(subgraphs: Mapping[str, SubgraphInfo]) -> dict[str, dict[str, Any]]:
        return {
            n: {
                "url": i.url,
                "reachable": True,
                "ready": n != "accounts",
                **({"failing": {"store": "down"}} if n == "accounts" else {}),
            }
            for n, i in subgraphs.items()
        }

    h = harness(NoSubgraph(), prober=prober)
    r = await call(h.app, "GET", "/health/ready")
    assert r.status == 503 and r.json()["status"] == "degraded"
    assert r.json()["subgraphs"]["accounts"]["failing"] == {"store": "down"}


class NoSubgraph:
    async def fetch(self, request: Any) -> Any:
        raise AssertionError("not called")


async def test_the_report_is_cached_and_shared_by_concurrent_callers() -> None:
    calls = 0
    release = asyncio.Event()

    async def prober(subgraphs: Mapping[str, SubgraphInfo]) -> dict[str, dict[str, Any]]:
        nonlocal calls
        calls += 1
        await release.wait()
        return {"a": {"reachable": True, "ready": True, "n": calls}}

    h = harness(NoSubgraph())
    endpoint = HealthEndpoint(h.app.health.holder, prober, cache_s=3600)
    subgraphs = {"a": SubgraphInfo("a", "http://a/graphql")}
    waiting = [asyncio.create_task(endpoint.report(subgraphs)) for _ in range(20)]
    await asyncio.sleep(0)
    release.set()
    reports = await asyncio.gather(*waiting)
    assert calls == 1 and all(r["a"]["n"] == 1 for r in reports)
    assert (await endpoint.report(subgraphs))["a"]["n"] == 1  # cached
    assert (await endpoint.report(dict(subgraphs)))["a"]["n"] == 2  # a reload: new subgraphs
    endpoint.cache_s = 0
    assert (await endpoint.report(subgraphs))["a"]["n"] == 3
