"""Gateway CPU cost per request without any network: the ASGI app driven in-process, the
subgraphs answered by the bench subgraphs' in-memory executor (responses decoded fresh per
call, as a real fetch would). Shows where time goes; ``--profile`` prints a cProfile.

    .venv/bin/python -m bench.gateway.inprocess [QUERY_NAME ...] [--profile] [-n 3000]

``large`` (not in the default list) joins 300 products with inventory, reviews and authors:
about 2,100 objects in the response, for the per-object cost of merging and shaping.
``heavy`` is the heavy case of ``bench.gateway.heavy`` (its own four subgraphs, ≈ 90 KB).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from collections.abc import MutableMapping
from pathlib import Path
from typing import Any

import orjson

from bench.gateway.subgraphs import Subgraph
from gateway.app import GatewayApp
from gateway.executor.native import kernel_from_environment
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.health import HealthEndpoint
from gateway.ports import SubgraphRequest
from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import StateHolder, build_state
from gateway.settings import GatewaySettings
from rumah.common.gc_tuning import set_young_threshold
from rumah.common.settings import load_settings

HERE = Path(__file__).parent


class InMemoryFetcher:
    def __init__(self, subgraphs: dict[str, Subgraph] | None = None) -> None:
        self.subgraphs = subgraphs or {
            name: Subgraph(name) for name in ("products", "inventory", "reviews", "accounts")
        }

    async def fetch(self, request: SubgraphRequest) -> Any:
        body: dict[str, Any] = {"query": request.query}
        if request.variables:
            body["variables"] = request.variables
        raw = self.subgraphs[request.service].answer(orjson.dumps(body))
        return orjson.loads(raw)


async def _drive(app: GatewayApp, body: bytes, n: int) -> float:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "query_string": b"",
        "headers": [(b"content-type", b"application/json"), (b"accept", b"application/json")],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: MutableMapping[str, Any]) -> None:
        return None

    started = time.process_time()
    for _ in range(n):
        await app(scope, receive, send)
    return time.process_time() - started


def _setup(name: str) -> tuple[GatewayApp, str]:
    if name == "heavy":
        from bench.gateway.heavy import subgraphs as heavy

        fetcher = InMemoryFetcher(
            {n: Subgraph(n, heavy._schema(n), heavy._root(n)) for n in heavy.PORTS}
        )
        supergraph = (HERE / "heavy" / "supergraph.graphql").read_text()
        query = (HERE / "heavy" / "query.graphql").read_text()
    else:
        fetcher = InMemoryFetcher()
        supergraph = (HERE / "supergraph.graphql").read_text()
        query = (HERE / "queries" / f"{name}.graphql").read_text()
    holder = StateHolder(build_state(supergraph, lambda _s: fetcher))
    app = GatewayApp(
        graphql=GraphQLEndpoint(holder, pipeline(), EndpointOptions()),
        health=HealthEndpoint(holder),
    )
    return app, query


def pipeline() -> Pipeline:
    """The request pipeline, with the executor kernel ``RUMAH_GATEWAY_NATIVE`` selects
    (``auto``: compiled when built; ``off``: the pure-Python reference) as the gateway does."""
    return Pipeline(PrepareConfig(), kernel=kernel_from_environment())


def kernel_label() -> str:
    """Which executor ``pipeline()`` runs: ``compiled`` or ``reference``."""
    return "reference" if pipeline().kernel is None else "compiled"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "queries", nargs="*", default=["one_subgraph", "three_subgraphs", "requires"]
    )
    parser.add_argument("-n", type=int, default=3000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    # the collector as `rumah gateway serve` sets it (RUMAH_GATEWAY_GC_YOUNG_THRESHOLD)
    set_young_threshold(load_settings(GatewaySettings).gc_young_threshold)

    for name in args.queries:
        app, query = _setup(name)
        body = orjson.dumps({"query": query})
        asyncio.run(_drive(app, body, 50))  # warm the plan cache and subgraph answers
        profiler = cProfile.Profile() if args.profile else None
        if profiler:
            profiler.enable()
        elapsed = asyncio.run(_drive(app, body, args.n))
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
        rate, micros = args.n / elapsed, elapsed / args.n * 1e6
        print(f"{name}: {rate:,.0f} req/s in-process ({micros:.0f} µs/request, {kernel_label()})")


if __name__ == "__main__":
    main()
