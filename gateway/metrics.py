"""The gateway's ``GET /metrics`` (Prometheus text format).

What is counted on the request path is kept small: a few integer increments per client
request and per subgraph fetch. Everything else — plan-cache hits and misses, the loaded
supergraph, open WebSockets — is read from the objects that already count it, and all of it
is rendered by prometheus-client (a registry per app) at scrape time.

* ``rumah_gateway_requests_total{outcome}``: ``ok`` (data, no errors), ``partial`` (data
  and errors: a subgraph failed), ``error`` (no data: invalid operation, bad variables…),
  ``rejected`` (refused before GraphQL: bad HTTP, body too large, not loaded). A 401 from
  the access layer is answered in front of the endpoint and is not counted.
* ``rumah_gateway_request_duration_seconds`` histogram of answered GraphQL requests.
* ``rumah_gateway_subgraph_requests_total{subgraph,outcome}`` (``ok``/``error``) and
  ``rumah_gateway_subgraph_request_duration_seconds{subgraph}``.
* ``rumah_gateway_requests_deduplicated_total``: client queries answered by an identical
  query's execution already in flight; ``rumah_gateway_subgraph_requests_deduplicated_total
  {subgraph}``: subgraph requests that waited for an identical one instead of being sent
  (not counted in ``rumah_gateway_subgraph_requests_total``).
* ``rumah_gateway_plan_cache_{hits,misses}_total``, ``…_plan_cache_entries`` (for the
  loaded supergraph; they restart at 0 when a new one is loaded, as counters may).
* ``rumah_gateway_supergraph_loaded``, ``rumah_gateway_subgraphs``,
  ``rumah_gateway_websocket_connections``.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry
from prometheus_client import generate_latest as _render
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from gateway.web.asgi import Receive, Scope, Send, respond

# Seconds: from sub-millisecond cached answers to the default 30 s subgraph timeout.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
OUTCOMES = ("ok", "partial", "error", "rejected")


class _Histogram:
    """Observations per bucket. The gateway runs on one event loop: plain integers, no locks
    (prometheus-client's ``Histogram`` takes a lock per bucket and per sum — measurable at
    15,000 requests/s); the library renders them at scrape time."""

    __slots__ = ("counts", "total")

    def __init__(self) -> None:
        self.counts = [0] * (len(_BUCKETS) + 1)  # the last one: above every bound (+Inf)
        self.total = 0.0

    def observe(self, seconds: float) -> None:
        self.counts[bisect_left(_BUCKETS, seconds)] += 1
        self.total += seconds

    def add_to(self, family: HistogramMetricFamily, labels: list[str]) -> None:
        cumulative, buckets = 0, []
        for bound, count in zip((*map(str, _BUCKETS), "+Inf"), self.counts, strict=True):
            cumulative += count
            buckets.append((bound, cumulative))
        family.add_metric(labels, buckets, self.total)


class GatewayMetrics(Collector):
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = dict.fromkeys(OUTCOMES, 0)
        self.request_seconds = _Histogram()
        # subgraph → [ok, error, latency]
        self.fetches: dict[str, tuple[list[int], _Histogram]] = {}
        self.state: Callable[[], Any] = lambda: None  # the loaded GatewayState, or None
        self.websockets: Callable[[], int] = lambda: 0
        self.requests_joined: Callable[[], int] = lambda: 0  # inbound de-duplication
        self.fetches_joined: dict[str, int] = {}  # outbound de-duplication, by subgraph
        self.registry.register(self)

    def request(self, outcome: str, seconds: float | None = None) -> None:
        self.requests[outcome] += 1
        if seconds is not None:
            self.request_seconds.observe(seconds)

    def fetched(self, subgraph: str, ok: bool, seconds: float) -> None:
        """One subgraph request ended (``ok``: a 2xx response arrived)."""
        entry = self.fetches.get(subgraph)
        if entry is None:
            entry = self.fetches[subgraph] = ([0, 0], _Histogram())
        entry[0][0 if ok else 1] += 1
        entry[1].observe(seconds)

    def deduplicated(self, subgraph: str) -> None:
        """A subgraph request joined an identical one in flight (nothing was sent)."""
        self.fetches_joined[subgraph] = self.fetches_joined.get(subgraph, 0) + 1

    def collect(self) -> Iterable[Metric]:
        """Everything, at scrape time (registered as the registry's one collector)."""
        requests = CounterMetricFamily("rumah_gateway_requests",
                                       "Client GraphQL requests, by outcome.",
                                       labels=["outcome"])  # fmt: skip
        for outcome, count in self.requests.items():
            requests.add_metric([outcome], count)
        yield requests
        latency = HistogramMetricFamily(
            "rumah_gateway_request_duration_seconds",
            "Time to answer a client GraphQL request (parse to response body).",
        )
        self.request_seconds.add_to(latency, [])
        yield latency
        joined = CounterMetricFamily(
            "rumah_gateway_requests_deduplicated",
            "Client queries answered by an identical query's execution in flight.",
        )
        joined.add_metric([], self.requests_joined())
        yield joined
        fetches = CounterMetricFamily("rumah_gateway_subgraph_requests",
                                      "Requests to subgraphs, by subgraph and outcome.",
                                      labels=["subgraph", "outcome"])  # fmt: skip
        fetch_latency = HistogramMetricFamily(
            "rumah_gateway_subgraph_request_duration_seconds",
            "Time of one subgraph HTTP request, by subgraph.", labels=["subgraph"],
        )  # fmt: skip
        for subgraph, (counts, histogram) in sorted(self.fetches.items()):
            fetches.add_metric([subgraph, "ok"], counts[0])
            fetches.add_metric([subgraph, "error"], counts[1])
            histogram.add_to(fetch_latency, [subgraph])
        yield fetches
        yield fetch_latency
        fetches_joined = CounterMetricFamily(
            "rumah_gateway_subgraph_requests_deduplicated",
            "Subgraph requests that waited for an identical one in flight instead of being sent.",
            labels=["subgraph"],
        )
        for subgraph, count in sorted(self.fetches_joined.items()):
            fetches_joined.add_metric([subgraph], count)
        yield fetches_joined
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
            ("hits", "Requests answered from the plan cache.", 0 if cache is None else cache.hits),
            ("misses", "Operations parsed, validated and planned.",
             0 if cache is None else cache.misses),
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
