"""The gateway's ``GET /metrics`` (Prometheus text format).

What is counted on the request path is kept small: one histogram observation per client
request and one per subgraph fetch (prometheus-client, a registry per app). Everything else
— plan-cache hits and misses, the loaded supergraph, open WebSockets — is read from the
objects that already count it, at scrape time.

* ``rumah_gateway_requests_total{outcome}``: ``ok`` (data, no errors), ``partial`` (data
  and errors: a subgraph failed), ``error`` (no data: invalid operation, bad variables…),
  ``rejected`` (refused before GraphQL: bad HTTP, body too large, not loaded, 401).
* ``rumah_gateway_request_duration_seconds`` histogram of answered GraphQL requests.
* ``rumah_gateway_subgraph_requests_total{subgraph,outcome}`` (``ok``/``error``) and
  ``rumah_gateway_subgraph_request_duration_seconds{subgraph}``.
* ``rumah_gateway_plan_cache_{hits,misses}_total``, ``…_plan_cache_entries`` (for the
  loaded supergraph; they restart at 0 when a new one is loaded, as counters may).
* ``rumah_gateway_supergraph_loaded``, ``rumah_gateway_subgraphs``,
  ``rumah_gateway_websocket_connections``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram
from prometheus_client import generate_latest as _render
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gateway.http.asgi import Receive, Scope, Send, respond

# Seconds: from sub-millisecond cached answers to the default 30 s subgraph timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = ("ok", "partial", "error", "rejected")


class GatewayMetrics(Collector):
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self._requests = Counter("rumah_gateway_requests", "Client GraphQL requests, by outcome.",
                                 ["outcome"], registry=self.registry)  # fmt: skip
        self.request_outcome = {o: self._requests.labels(o) for o in OUTCOMES}
        self.request_seconds = Histogram(
            "rumah_gateway_request_duration_seconds",
            "Time to answer a client GraphQL request (parse to response body).",
            buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._fetches = Counter("rumah_gateway_subgraph_requests",
                                "Requests to subgraphs, by subgraph and outcome.",
                                ["subgraph", "outcome"], registry=self.registry)  # fmt: skip
        self._fetch_seconds = Histogram(
            "rumah_gateway_subgraph_request_duration_seconds",
            "Time of one subgraph HTTP request, by subgraph.",
            ["subgraph"], buckets=_BUCKETS, registry=self.registry,
        )  # fmt: skip
        self._per_subgraph: dict[str, tuple[Any, Any, Any]] = {}
        self.state: Callable[[], Any] = lambda: None  # the loaded GatewayState, or None
        self.websockets: Callable[[], int] = lambda: 0
        self.registry.register(self)

    def request(self, outcome: str, seconds: float | None = None) -> None:
        self.request_outcome[outcome].inc()
        if seconds is not None:
            self.request_seconds.observe(seconds)

    def fetched(self, subgraph: str, ok: bool, seconds: float) -> None:
        """One subgraph request ended (``ok``: a 2xx response arrived)."""
        children = self._per_subgraph.get(subgraph)
        if children is None:
            children = (self._fetches.labels(subgraph, "ok"),
                        self._fetches.labels(subgraph, "error"),
                        self._fetch_seconds.labels(subgraph))  # fmt: skip
            self._per_subgraph[subgraph] = children
        (children[0] if ok else children[1]).inc()
        children[2].observe(seconds)

    def collect(self) -> Iterable[Metric]:
        """The scrape-time part (registered as a collector on the registry)."""
        state = self.state()
        loaded = GaugeMetricFamily("rumah_gateway_supergraph_loaded",
                                   "1 once a supergraph is loaded and served.")  # fmt: skip
        loaded.add_metric([], 0.0 if state is None else 1.0)
        yield loaded
        subgraphs = GaugeMetricFamily("rumah_gateway_subgraphs",
                                      "Subgraphs in the loaded supergraph.")  # fmt: skip
        subgraphs.add_metric([], 0 if state is None else len(state.supergraph.subgraphs))
        yield subgraphs
        cache = None if state is None else state.operations
        for name, doc, value in (
            ("hits", "Requests answered from the plan cache.", cache.hits if cache else 0),
            ("misses", "Operations parsed, validated and planned.", cache.misses if cache else 0),
        ):
            family = CounterMetricFamily(f"rumah_gateway_plan_cache_{name}", doc)
            family.add_metric([], value)
            yield family
        entries = GaugeMetricFamily("rumah_gateway_plan_cache_entries", "Prepared operations kept.")
        entries.add_metric([], 0 if cache is None else len(cache))
        yield entries
        sockets = GaugeMetricFamily("rumah_gateway_websocket_connections",
                                    "Open graphql-transport-ws connections.")  # fmt: skip
        sockets.add_metric([], self.websockets())
        yield sockets

    async def endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, _render(self.registry), CONTENT_TYPE_LATEST.encode("latin-1"))
