"""``GET /metrics`` on the production gateway: what operators scrape (Prometheus text)."""

from __future__ import annotations

from typing import Any

import aiohttp
from gw_servers import GatewayFactory, free_port

from services.kit.testing import scrape_metrics

PRODUCT = {"query": '{ product(upc: "5") { name } }'}
BOTH = {"query": '{ product(upc: "5") { name } reviewCount }'}


def _no_labels(name: str) -> tuple[str, frozenset[Any]]:
    return name, frozenset()


def _labels(name: str, **labels: str) -> tuple[str, frozenset[Any]]:
    return name, frozenset(labels.items())


async def test_requests_subgraph_fetches_and_the_plan_cache_are_counted(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(reviews_url=f"http://127.0.0.1:{free_port()}/reviews")
    base = gateway.http.removesuffix("/graphql")
    async with aiohttp.ClientSession() as http:
        m = await scrape_metrics(http, base)
        assert m[_no_labels("rumah_gateway_supergraph_loaded")] == 1
        assert m[_no_labels("rumah_gateway_subgraphs")] == 2
        for body in (PRODUCT, PRODUCT, {"query": "{ nope }"}, BOTH):
            async with http.post(gateway.http, json=body) as r:
                assert r.status == 200
        async with http.post(
            gateway.http, data=b"{", headers={"content-type": "application/json"}
        ) as r:
            assert r.status == 400
        m = await scrape_metrics(http, base)
    requests = "rumah_gateway_requests_total"
    assert m[_labels(requests, outcome="ok")] == 2
    assert m[_labels(requests, outcome="error")] == 2  # an invalid field; a non-null root lost
    assert m[_labels(requests, outcome="rejected")] == 1  # malformed JSON
    assert m[_no_labels("rumah_gateway_request_duration_seconds_count")] == 4
    fetches = "rumah_gateway_subgraph_requests_total"
    assert m[_labels(fetches, subgraph="products", outcome="ok")] == 3
    assert m[_labels(fetches, subgraph="reviews", outcome="error")] == 1  # nobody listens there
    assert (
        m[_labels("rumah_gateway_subgraph_request_duration_seconds_count", subgraph="products")]
        == 3
    )
    assert m[_no_labels("rumah_gateway_plan_cache_misses_total")] == 3  # 3 distinct documents
    assert m[_no_labels("rumah_gateway_plan_cache_hits_total")] == 1
    assert m[_no_labels("rumah_gateway_websocket_connections")] == 0
    # the adaptive execution limit at its default base, nobody waiting for a slot
    assert m[_no_labels("rumah_gateway_execution_slots")] == 8
    assert m[_no_labels("rumah_gateway_executions_waiting")] == 0
