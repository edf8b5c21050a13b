"""One running service instance: backends, ingest, connector, relay, readiness and jobs.

``open_runtime(spec, settings)`` is the composition root of every service (the app's
lifespan enters it). Starting never fails because an engine or the upstream is down:
preparation (indexes, topics, cursors) is retried with backoff in the background, and
readiness says what is missing meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Coroutine, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import aiohttp

from rumah.common.clock import Clock, utc_now
from services.kit import drift, quarantine, syncstate
from services.kit.backends import open_backends
from services.kit.backoff import Backoff, until_prepared
from services.kit.connector import Puller, pull_forever
from services.kit.drift import DriftReporter
from services.kit.emit import EventWriter
from services.kit.engine_gate import EngineGate, GatedStore, readiness_details
from services.kit.engines import engines_of
from services.kit.envelope import EventSchemas, load_schemas
from services.kit.ingest import Ingest, Ingestor, IngestResult
from services.kit.intake import IntakeForwarder, IntakeWorker, intake_topic
from services.kit.lease import COLLECTION as LEASES
from services.kit.lease import Lease, LeaseLost
from services.kit.outbox import OutboxRelay
from services.kit.ports import (
    Collection,
    Document,
    DocumentStore,
    EventLog,
    VersionConflict,
)
from services.kit.quarantine import Quarantine
from services.kit.readiness import Readiness
from services.kit.reconcile import Reconciler
from services.kit.settings import ServiceSettings
from services.kit.spec import Event, ServiceSpec
from services.kit.syncstate import CursorStore, SyncState
from services.kit.tasks import background, every

log = logging.getLogger("rumah.service")
PUSHES_IN_FLIGHT = 2


class PushBusy(Exception):
    """Pushed records refused for now: earlier pushes are still being written."""


@dataclass
class ServiceRuntime:
    spec: ServiceSpec
    settings: ServiceSettings
    store: DocumentStore
    log: EventLog
    clock: Clock
    writer: EventWriter
    quarantine: Quarantine
    drift: DriftReporter
    ingestor: Ingestor
    sync: SyncState = field(default_factory=SyncState)
    cursors: CursorStore | None = None
    readiness: Readiness | None = None
    relay: OutboxRelay | None = None
    reconciler: Reconciler | None = None
    prepared: asyncio.Event = field(default_factory=asyncio.Event)
    gate: EngineGate | None = None  # outages of the store and the log (fail fast, since when)
    pushes: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(PUSHES_IN_FLIGHT))
    # replicated (settings.replicated): records go to the intake; the worker applies this
    # replica's share; the pull, reconciliation and jobs run while holding ``leader``
    intake: IntakeForwarder | None = None
    intake_worker: IntakeWorker | None = None
    leader: Lease | None = None

    @property
    def intake_or_ingestor(self) -> Ingest:
        """Where records that arrive (pull, push, reconciliation) go."""
        return self.intake if self.intake is not None else self.ingestor

    def collection(self, name: str) -> Collection:
        return self.store.collection(name)

    async def ingest(self, resource: str, raws: Sequence[Any]) -> IngestResult:
        """Apply upstream records of ``resource`` (pull or push); ``KeyError`` if unknown."""
        binding = self.spec.binding_for(resource)
        if binding is None:
            raise KeyError(resource)
        return await self.intake_or_ingestor.ingest(binding, raws)

    async def push(self, resource: str, raws: Sequence[Any]) -> IngestResult:
        """``ingest`` for the push webhook, at most ``PUSHES_IN_FLIGHT`` at a time; beyond
        that ``PushBusy`` at once. A slow store makes the upstream's sender give up and send
        again while the earlier writes go on; piling them up would only slow the store more,
        and the pull brings whatever a refused push carried."""
        if self.pushes.locked():
            raise PushBusy(resource)
        async with self.pushes:
            return await self.ingest(resource, raws)

    async def save(
        self, collection: str, doc: Document, *, expected_version: int, events: Sequence[Event]
    ) -> int:
        """Write a document and its events in one put (for jobs such as the SLA sweep)."""
        entries = self.writer.encode(
            collection, str(doc["_id"]), expected_version + 1, events, self.clock()
        )
        binding = next((b for b in self.spec.entities if b.collection == collection), None)
        resource, written = binding.resource if binding else collection, self.ingestor.written
        try:
            version = await self.collection(collection).put(
                doc, expected_version=expected_version, outbox=entries
            )
        except VersionConflict:
            raise  # certainly not written
        except BaseException:
            written.unknown(resource, (e.id for e in entries))
            raise
        written.confirmed(resource, (e.id for e in entries))
        return version

    async def prepare(self) -> None:
        """Indexes, topics, and what the quarantine/drift/cursors remember; idempotent."""
        for binding in self.spec.entities:
            coll = self.collection(binding.collection)
            for fields in binding.indexes:
                await coll.ensure_index(fields)
        topics = [self.spec.topic(f, self.settings.topic_prefix) for f in self.spec.event_families]
        if self.intake is not None:
            topics.append(self.intake.topic)
        for topic in topics:
            await self.log.ensure_topic(topic, self.settings.backends.log_partitions)
        await self.quarantine.load()
        await self.drift.load()
        if self.cursors is not None:
            await self.cursors.load(self.sync, [b.resource for b in self.spec.entities])
        self.prepared.set()


def build_runtime(
    spec: ServiceSpec,
    settings: ServiceSettings,
    store: DocumentStore,
    event_log: EventLog,
    clock: Clock = utc_now,
    schemas: EventSchemas | None = None,
) -> ServiceRuntime:
    """Wire a runtime over already-started backends (tests use this with the embedded ones)."""
    q = Quarantine(store.collection(quarantine.COLLECTION))
    d = DriftReporter(store.collection(drift.COLLECTION))
    writer = EventWriter(spec, schemas or load_schemas(), settings.topic_prefix)
    ingestor = Ingestor(store, q, d, writer, clock, settings.ingest_concurrency)
    rt = ServiceRuntime(
        spec,
        settings,
        store,
        event_log,
        clock,
        writer,
        q,
        d,
        ingestor,
        cursors=CursorStore(store.collection(syncstate.COLLECTION)),
    )
    if settings.replicated:
        topic = intake_topic(spec, settings.topic_prefix)
        rt.intake = IntakeForwarder(event_log, topic)
        rt.intake_worker = IntakeWorker(
            event_log, spec, ingestor, topic, max_records=settings.page_size
        )
        rt.leader = Lease(store.collection(LEASES), f"{spec.name}.leader", settings.lease)
    return rt


async def _work(rt: ServiceRuntime, http: aiohttp.ClientSession, upstream_url: str) -> None:
    await until_prepared(rt.prepare, log, "service_prepare_waiting", {"service": rt.spec.name})
    if rt.intake_worker is None:
        await asyncio.gather(*_leader_work(rt, http, upstream_url))
        return
    await asyncio.gather(rt.intake_worker.run(), _lead(rt, http, upstream_url))


async def _lead(rt: ServiceRuntime, http: aiohttp.ClientSession, upstream_url: str) -> None:
    """A replica's pull, reconciliation and jobs: only while it holds the leader lease."""
    lease = rt.leader
    assert lease is not None
    while True:
        epoch = await lease.take()
        log.info("service_leading", extra={"service": rt.spec.name, "epoch": epoch})
        try:
            if rt.cursors is not None:  # the previous leader moved them
                await rt.cursors.load(rt.sync, [b.resource for b in rt.spec.entities])
            async with asyncio.TaskGroup() as tasks:
                tasks.create_task(lease.keep())
                for work in _leader_work(rt, http, upstream_url):
                    tasks.create_task(work)
        except* LeaseLost:
            log.warning("service_lead_lost", extra={"service": rt.spec.name})


def _leader_work(
    rt: ServiceRuntime, http: aiohttp.ClientSession, upstream_url: str
) -> list[Coroutine[Any, Any, None]]:
    s = rt.settings
    jobs = [every(job.interval_s, partial(job.run, rt), name=job.name) for job in rt.spec.jobs]
    if s.pull:
        assert rt.cursors is not None
        puller = Puller(
            http,
            upstream_url,
            rt.spec.upstream,
            rt.intake_or_ingestor,
            rt.sync,
            rt.cursors,
            rt.clock,
            s.page_size,
        )
        backoff = Backoff(initial=0.2, maximum=s.upstream_backoff_max_s)
        jobs.append(pull_forever(puller, rt.spec.entities, s.poll_interval_s, backoff))
        if s.reconcile_interval_s > 0:
            rt.reconciler = Reconciler(
                puller,
                rt.intake_or_ingestor,
                rt.spec.entities,
                rt.clock,
                records_per_s=s.reconcile_records_per_s,
            )
            jobs.append(rt.reconciler.run_forever(s.reconcile_interval_s))
    return jobs


@contextlib.asynccontextmanager
async def open_runtime(
    spec: ServiceSpec, settings: ServiceSettings, upstream_url: str, *, clock: Clock = utc_now
) -> AsyncIterator[ServiceRuntime]:
    """Open backends, start relay, readiness, connector and jobs; stop them all on exit."""
    db = settings.db or f"rumah_{spec.name}"
    timeout = aiohttp.ClientTimeout(total=settings.upstream_timeout_s)
    async with (
        open_backends(settings.backends, db=db, shared=settings.replicated) as (
            raw_store,
            event_log,
        ),
        aiohttp.ClientSession(timeout=timeout) as http,
    ):
        gate = EngineGate(engines_of(settings.backends, db), clock)
        store = GatedStore(raw_store, gate, spec.name)
        rt = build_runtime(spec, settings, store, event_log, clock)
        rt.gate = gate
        probes = {"store": raw_store.ping, "log": event_log.ping}
        async with (
            OutboxRelay(store, event_log, on_published=rt.ingestor.written.relayed) as relay,
            Readiness(
                probes, interval_s=2.0, listener=gate.record, details=readiness_details(gate)
            ) as readiness,
            background(_work(rt, http, upstream_url)),
        ):
            rt.readiness, rt.relay = readiness, relay
            log.info("service_started", extra={"service": spec.name, "upstream": upstream_url})
            yield rt
