"""``GET /metrics`` in the Prometheus text format, read from the counters a component keeps.

Nothing is counted twice and nothing is added to a hot path: each component already keeps
plain counters (ingest totals, the relay's ``relayed``, the sync state, readiness); a scrape
reads them through a ``collect`` function that yields metric families. One registry per app,
so several apps in one process (tests, ``rumah run`` in-process) never share values.

Names follow Prometheus conventions: ``rumah_`` prefix, ``_total`` for counters, base units
(seconds), and labels for what varies (``service``, ``resource``, ``dependency``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response

from services.kit.readiness import Readiness

if TYPE_CHECKING:
    from services.kit.runtime import ServiceRuntime
    from services.kit.webhooks import WebhookReceiver

Collect = Callable[[], Iterable[Metric]]


class _Snapshot(Collector):
    def __init__(self, collect: Collect) -> None:
        self._collect = collect

    def collect(self) -> Iterable[Metric]:
        return self._collect()


def metrics_endpoint(collect: Collect) -> Callable[[Request], Awaitable[Response]]:
    """A Starlette endpoint for ``GET /metrics`` rendering what ``collect`` yields (its own
    registry: nothing global)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Snapshot(collect))

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return metrics


def gauge(name: str, doc: str, labels: Mapping[str, str], value: float) -> GaugeMetricFamily:
    family = GaugeMetricFamily(name, doc, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


def counter(name: str, doc: str, labels: Mapping[str, str], value: float) -> CounterMetricFamily:
    family = CounterMetricFamily(name, doc, labels=list(labels))
    family.add_metric(list(labels.values()), value)
    return family


def dependencies_up(component: Mapping[str, str], readiness: Readiness | None) -> Iterable[Metric]:
    """``rumah_dependency_up``: 1 per readiness probe (store, log, …) that passes now, else 0;
    nothing before the readiness exists (the component's ``…_up`` is 0 then)."""
    if readiness is None:
        return
    family = GaugeMetricFamily(
        "rumah_dependency_up",
        "1 when the dependency's readiness probe passes, else 0.",
        labels=[*component, "dependency"],
    )
    failing = readiness.state.reasons
    for probe in readiness.probes:
        family.add_metric([*component.values(), probe], 0.0 if probe in failing else 1.0)
    yield family


_INGEST_OUTCOMES = ("applied", "unchanged", "duplicates", "outdated", "quarantined")


def service_metrics(rt: ServiceRuntime, now: float) -> Iterable[Metric]:
    """The metric families of one running OPD service (``ServiceRuntime``) at ``now``
    (epoch seconds)."""
    svc = {"service": rt.spec.name}
    names = [*svc, "resource"]
    records = CounterMetricFamily(
        "rumah_ingest_records",
        "Upstream records handled since start, by outcome "
        "(applied, unchanged, duplicates, outdated, quarantined).",
        labels=[*names, "outcome"],
    )
    events = CounterMetricFamily(
        "rumah_events_written",
        "Events written with the state (outbox) since start, each event id once, counted when "
        "the store confirmed its write.",
        labels=names,
    )
    for resource, total in sorted(rt.ingestor.totals.items()):
        for outcome in _INGEST_OUTCOMES:
            records.add_metric([rt.spec.name, resource, outcome], getattr(total, outcome))
    written = rt.ingestor.written.by_resource
    for resource in sorted(set(rt.ingestor.totals) | set(written)):
        events.add_metric([rt.spec.name, resource], written.get(resource, 0))
    yield records
    yield events
    relay = rt.relay
    yield counter(
        "rumah_outbox_relayed",
        "Outbox entries published to the event log since start.",
        svc,
        relay.relayed if relay else 0,
    )
    yield gauge(
        "rumah_outbox_queued",
        "Entries written by this process, not yet relayed.",
        svc,
        relay.queued if relay else 0,
    )
    yield gauge(
        "rumah_quarantine_open",
        "Upstream records held in quarantine (not mapped).",
        svc,
        rt.quarantine.open_count,
    )
    yield gauge(
        "rumah_schema_drift_fields",
        "Unknown upstream fields reported (schema drift).",
        svc,
        len(rt.drift.fields()),
    )
    reachable = GaugeMetricFamily(
        "rumah_upstream_reachable",
        "1 when the last pull of the resource succeeded, 0 when it failed (absent before).",
        labels=names,
    )
    errors = CounterMetricFamily("rumah_upstream_errors", "Failed pulls since start.", labels=names)
    seen = CounterMetricFamily(
        "rumah_upstream_records_seen", "Records pulled since start.", labels=names
    )
    age = GaugeMetricFamily(
        "rumah_upstream_last_success_age_seconds",
        "Seconds since the resource's last successful pull (staleness of the canonical copy).",
        labels=names,
    )
    for name, rs in sorted(rt.sync.resources.items()):
        key = [rt.spec.name, name]
        if rs.reachable is not None:
            reachable.add_metric(key, 1.0 if rs.reachable else 0.0)
        errors.add_metric(key, rs.error_count)
        seen.add_metric(key, rs.records_seen)
        if rs.last_success_at is not None:
            age.add_metric(key, max(0.0, now - rs.last_success_at.timestamp()))
    yield from (reachable, errors, seen, age)
    yield from _reconcile_metrics(rt, now)
    yield from _replica_metrics(rt)
    yield from dependencies_up(svc, rt.readiness)


def _replica_metrics(rt: ServiceRuntime) -> Iterable[Metric]:
    """Only for a replicated service (docs/replicas.md)."""
    if rt.intake is None or rt.intake_worker is None or rt.leader is None:
        return
    svc = {"service": rt.spec.name}
    yield counter(
        "rumah_intake_forwarded",
        "Records this replica handed to the intake topic (pull, push, reconciliation).",
        svc,
        rt.intake.forwarded,
    )
    yield counter(
        "rumah_intake_batches",
        "Intake batches this replica applied (its share of the partitions).",
        svc,
        rt.intake_worker.batches,
    )
    yield counter(
        "rumah_intake_refused",
        "Intake records that were not intake records (logged, skipped).",
        svc,
        rt.intake_worker.refused,
    )
    yield gauge(
        "rumah_service_leader",
        "1 while this replica holds the leader lease (runs the pull, reconciliation, jobs).",
        svc,
        1.0 if rt.leader.valid() else 0.0,
    )


def webhook_metrics(service: str, receiver: WebhookReceiver) -> Iterable[Metric]:
    """Refused pushes by reason (unsigned, bad_signature, stale, unconfigured) and replays."""
    refused = CounterMetricFamily(
        "rumah_webhook_refused",
        "Pushes refused with 401: no or a wrong signature, a stale timestamp, no secret set.",
        labels=["service", "reason"],
    )
    for reason in ("unsigned", "bad_signature", "stale", "unconfigured"):
        refused.add_metric([service, reason], receiver.refused[reason])
    yield refused
    yield counter(
        "rumah_webhook_replays",
        "Signed pushes whose webhook-id was applied already (answered, not applied again).",
        {"service": service},
        receiver.replays,
    )


def _reconcile_metrics(rt: ServiceRuntime, now: float) -> Iterable[Metric]:
    """Reconciliation (``services.kit.reconcile``), when it is on."""
    if rt.reconciler is None:
        return
    st, svc = rt.reconciler.state, {"service": rt.spec.name}
    names = [*svc, "resource"]
    checked = CounterMetricFamily(
        "rumah_reconcile_records_checked",
        "Upstream records compared with the canonical copy by reconciliation since start.",
        labels=names,
    )
    repaired = CounterMetricFamily(
        "rumah_reconcile_records_repaired",
        "Records reconciliation found missing or older in the canonical copy and wrote again "
        "(drift) since start.",
        labels=names,
    )
    for resource in sorted(st.checked):
        checked.add_metric([rt.spec.name, resource], st.checked[resource])
        repaired.add_metric([rt.spec.name, resource], st.repaired.get(resource, 0))
    yield checked
    yield repaired
    yield counter(
        "rumah_reconcile_passes", "Complete reconciliation passes since start.", svc, st.passes
    )
    if st.last_completed_at is not None:
        yield gauge(
            "rumah_reconcile_last_completed_age_seconds",
            "Seconds since the last complete reconciliation pass.",
            svc,
            max(0.0, now - st.last_completed_at.timestamp()),
        )
