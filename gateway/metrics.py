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
* ``rumah_gateway_execution_slots`` (the adaptive execution limit now; 0 = no limit) and
  ``rumah_gateway_executions_waiting`` (executions waiting for a slot).
* ``rumah_gateway_workers`` and ``rumah_gateway_worker_info{worker,pid,supergraph}`` (1 per
  worker process serving, with the hash of the supergraph it serves).

**Several workers** (``rumah gateway serve --workers N``): a scrape reaches one worker, and
answers for all of them. Each worker publishes a snapshot of its numbers (``snapshot()``)
every second (``gateway/worker_metrics.py``); the worker answering adds the others' latest
snapshots to its own live numbers (``merge``): counters and histograms are summed (those of
a worker that was replaced are kept, so totals never go back), gauges are summed, except
``supergraph_loaded`` (1 only when every worker serves) and ``subgraphs`` (the largest).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
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

# A snapshot: plain JSON-able numbers, so other worker processes can read it.
Snapshot = dict[str, Any]
# counters (summed, and kept from replaced workers) and gauges, by snapshot key
_COUNTERS = (
    "requests",
    "request_seconds",
    "fetches",
    "requests_joined",
    "fetches_joined",
    "plan_cache_hits",
    "plan_cache_misses",
)


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

    def snapshot(self) -> list[float]:
        return [*self.counts, self.total]


def _histogram_into(family: HistogramMetricFamily, labels: list[str], values: list[float]) -> None:
    cumulative, buckets = 0.0, []
    for bound, count in zip((*map(str, _BUCKETS), "+Inf"), values[:-1], strict=True):
        cumulative += count
        buckets.append((bound, cumulative))
    family.add_metric(labels, buckets, values[-1])


def _add(into: Any, value: Any) -> Any:
    """Sum two snapshot values of one shape (numbers, lists by position, maps by key)."""
    if isinstance(value, dict):
        out = dict(into) if isinstance(into, dict) else {}
        for key, item in value.items():
            out[key] = _add(out[key], item) if key in out else item
        return out
    if isinstance(value, list):
        if not isinstance(into, list) or len(into) != len(value):
            return list(value)
        return [a + b for a, b in zip(into, value, strict=True)]
    return (into or 0) + value


def merge(live: Sequence[Snapshot], retired: Sequence[Snapshot] = ()) -> Snapshot:
    """One snapshot for several workers: ``live`` ones (counters and gauges) and the counters
    of ``retired`` ones (replaced workers: their counts stay in the totals)."""
    out: Snapshot = {}
    for snap in (*live, *retired):
        for key in _COUNTERS:
            if key in snap:
                out[key] = _add(out.get(key), snap[key])
    if live:
        out["plan_cache_entries"] = sum(s.get("plan_cache_entries", 0) for s in live)
        out["websockets"] = sum(s.get("websockets", 0) for s in live)
        out["execution_slots"] = sum(s.get("execution_slots", 0) for s in live)
        out["executions_waiting"] = sum(s.get("executions_waiting", 0) for s in live)
        out["supergraph_loaded"] = min(s.get("supergraph_loaded", 0) for s in live)
        out["subgraphs"] = max(s.get("subgraphs", 0) for s in live)
        out["workers"] = [s["worker"] for s in live if "worker" in s]
    return out


class GatewayMetrics(Collector):
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=False)
        self.requests = dict.fromkeys(OUTCOMES, 0)
        self.request_seconds = _Histogram()
        # subgraph → [ok, error, latency]
        self.fetches: dict[str, tuple[list[int], _Histogram]] = {}
        self.state: Callable[[], Any] = lambda: None  # the loaded GatewayState, or None
        self.websockets: Callable[[], int] = lambda: 0
        # the adaptive execution limit and its queue (gateway/request/slots.py): (limit, waiting)
        self.slots: Callable[[], tuple[int, int]] = lambda: (0, 0)
        self.requests_joined: Callable[[], int] = lambda: 0  # inbound de-duplication
        self.fetches_joined: dict[str, int] = {}  # outbound de-duplication, by subgraph
        # with several workers: what this one is ({index, pid}) and the others' snapshots
        self.worker: dict[str, Any] | None = None
        self.peers: Callable[[], tuple[list[Snapshot], list[Snapshot]]] = lambda: ([], [])
        # counts of this worker's predecessor (same index, replaced), carried in its totals
        self.carried: Snapshot = {}
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

    def snapshot(self) -> Snapshot:
        """This process's numbers now (plus its predecessor's counters, if it replaced one)."""
        state = self.state()
        cache = None if state is None else state.operations
        slots, waiting = self.slots()
        snap: Snapshot = {
            "requests": dict(self.requests),
            "request_seconds": self.request_seconds.snapshot(),
            "fetches": {
                subgraph: {"ok": counts[0], "error": counts[1], "seconds": histogram.snapshot()}
                for subgraph, (counts, histogram) in self.fetches.items()
            },
            "requests_joined": self.requests_joined(),
            "fetches_joined": dict(self.fetches_joined),
            "plan_cache_hits": 0 if cache is None else cache.hits,
            "plan_cache_misses": 0 if cache is None else cache.misses,
            "plan_cache_entries": 0 if cache is None else len(cache),
            "supergraph_loaded": 0 if state is None else 1,
            "subgraphs": 0 if state is None else len(state.supergraph.subgraphs),
            "websockets": self.websockets(),
            "execution_slots": slots,
            "executions_waiting": waiting,
        }
        if self.worker is not None:
            snap["worker"] = {
                **self.worker,
                "supergraph": None if state is None else state.supergraph.sdl_hash,
            }
        if self.carried:
            snap = {
                **snap,
                **{k: _add(self.carried.get(k), snap[k]) for k in _COUNTERS if k in self.carried},
            }
        return snap

    def collect(self) -> Iterable[Metric]:
        """Everything, at scrape time (registered as the registry's one collector)."""
        own = self.snapshot()
        if self.worker is None:
            yield from _families(own)
            return
        live, retired = self.peers()
        yield from _families(merge([own, *live], retired))

    async def endpoint(self, scope: Scope, receive: Receive, send: Send) -> None:
        await respond(send, 200, _render(self.registry), CONTENT_TYPE_LATEST.encode("latin-1"))


def _families(snap: Snapshot) -> Iterable[Metric]:
    requests = CounterMetricFamily(
        "rumah_gateway_requests", "Client GraphQL requests, by outcome.", labels=["outcome"]
    )
    for outcome in OUTCOMES:
        requests.add_metric([outcome], snap.get("requests", {}).get(outcome, 0))
    yield requests
    latency = HistogramMetricFamily(
        "rumah_gateway_request_duration_seconds",
        "Time to answer a client GraphQL request (parse to response body).",
    )
    _histogram_into(latency, [], snap.get("request_seconds") or [0.0] * (len(_BUCKETS) + 2))
    yield latency
    joined = CounterMetricFamily(
        "rumah_gateway_requests_deduplicated",
        "Client queries answered by an identical query's execution in flight.",
    )
    joined.add_metric([], snap.get("requests_joined", 0))
    yield joined
    fetches = CounterMetricFamily(
        "rumah_gateway_subgraph_requests",
        "Requests to subgraphs, by subgraph and outcome.",
        labels=["subgraph", "outcome"],
    )
    fetch_latency = HistogramMetricFamily(
        "rumah_gateway_subgraph_request_duration_seconds",
        "Time of one subgraph HTTP request, by subgraph.",
        labels=["subgraph"],
    )
    for subgraph, entry in sorted(snap.get("fetches", {}).items()):
        fetches.add_metric([subgraph, "ok"], entry["ok"])
        fetches.add_metric([subgraph, "error"], entry["error"])
        _histogram_into(fetch_latency, [subgraph], entry["seconds"])
    yield fetches
    yield fetch_latency
    fetches_joined = CounterMetricFamily(
        "rumah_gateway_subgraph_requests_deduplicated",
        "Subgraph requests that waited for an identical one in flight instead of being sent.",
        labels=["subgraph"],
    )
    for subgraph, count in sorted(snap.get("fetches_joined", {}).items()):
        fetches_joined.add_metric([subgraph], count)
    yield fetches_joined
    single: tuple[tuple[type[CounterMetricFamily | GaugeMetricFamily], str, str, str], ...] = (
        (
            GaugeMetricFamily,
            "rumah_gateway_supergraph_loaded",
            "1 once a supergraph is loaded and served (by every worker).",
            "supergraph_loaded",
        ),
        (
            GaugeMetricFamily,
            "rumah_gateway_subgraphs",
            "Subgraphs in the loaded supergraph.",
            "subgraphs",
        ),
        (
            CounterMetricFamily,
            "rumah_gateway_plan_cache_hits",
            "Requests answered from the plan cache.",
            "plan_cache_hits",
        ),
        (
            CounterMetricFamily,
            "rumah_gateway_plan_cache_misses",
            "Operations parsed, validated and planned.",
            "plan_cache_misses",
        ),
        (
            GaugeMetricFamily,
            "rumah_gateway_plan_cache_entries",
            "Prepared operations kept.",
            "plan_cache_entries",
        ),
        (
            GaugeMetricFamily,
            "rumah_gateway_websocket_connections",
            "Open graphql-transport-ws connections.",
            "websockets",
        ),
        (
            GaugeMetricFamily,
            "rumah_gateway_execution_slots",
            "The adaptive limit on executions running at once (0 = no limit).",
            "execution_slots",
        ),
        (
            GaugeMetricFamily,
            "rumah_gateway_executions_waiting",
            "Executions waiting for a slot.",
            "executions_waiting",
        ),
    )
    for kind, name, doc, key in single:
        family = kind(name, doc)
        family.add_metric([], snap.get(key, 0))
        yield family
    workers = snap.get("workers")
    if workers is not None:
        count = GaugeMetricFamily("rumah_gateway_workers", "Worker processes reporting.")
        count.add_metric([], len(workers))
        yield count
        info = GaugeMetricFamily(
            "rumah_gateway_worker_info",
            "1 per worker process, with the hash of the supergraph it serves.",
            labels=["worker", "pid", "supergraph"],
        )
        for worker in sorted(workers, key=lambda w: w["index"]):
            info.add_metric(
                [str(worker["index"]), str(worker["pid"]), worker.get("supergraph") or ""], 1
            )
        yield info
