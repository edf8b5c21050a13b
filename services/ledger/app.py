"""``create_app(settings)``: the ledger's Starlette app.

Routes: ``/graphql`` (the subgraph over HTTP, and subscriptions over WebSocket with
graphql-transport-ws), ``/health/live``, ``/health/ready`` (store, log, prepared) and
``/ledger/status``. It runs on the kit's process shell (``services.kit.shell``), as every
service does: the lifespan opens the backends and, in the background, prepares the ledger
(retrying while the store is down), then consumes every status topic and takes checkpoints.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL

from rumah.common import tracing
from rumah.common.clock import Clock, utc_now
from services.kit.backends import open_backends
from services.kit.backoff import until_prepared
from services.kit.consumer import EventConsumer
from services.kit.engine_gate import EngineGate, GatedStore, described, readiness_details
from services.kit.engines import engines_of
from services.kit.envelope import Event, load_schemas
from services.kit.event_trace import consumer_context
from services.kit.lease import COLLECTION as LEASES
from services.kit.lease import Lease, LeaseLost
from services.kit.metrics import Metric, counter, dependencies_up, gauge
from services.kit.ports import DocumentStore, EventLog, LogRecord, PortError
from services.kit.readiness import Readiness
from services.kit.shell import Holder, shell_app
from services.kit.subgraph_auth import GatewayCredentials, RequireGatewayCredential, principal_of
from services.kit.tasks import background
from services.ledger.anchor_topic import prepare_anchor_topic
from services.ledger.context import LedgerContext, LedgerHolder
from services.ledger.core import Ledger, open_ledger
from services.ledger.schema import build_schema
from services.ledger.settings import LedgerSettings
from services.ledger.topics import status_topics

log = logging.getLogger("rumah.ledger")


class _LedgerGraphQL(GraphQL[LedgerContext, None]):
    def __init__(self, holder: LedgerHolder, settings: LedgerSettings) -> None:
        super().__init__(build_schema(), graphql_ide=None)
        self._holder, self._settings = holder, settings

    async def get_context(self, request: Any, response: Any) -> LedgerContext:
        # HTTP request or WebSocket: the guard verified the handshake's credential
        return LedgerContext(self._holder, self._settings, principal_of(request.scope))


class _Runner:
    """The background work: prepare, then consume and checkpoint until cancelled."""

    def __init__(self, settings: LedgerSettings, holder: LedgerHolder, clock: Clock) -> None:
        self.settings, self.holder, self.clock = settings, holder, clock
        self.topics = status_topics(
            settings.topic_prefix, settings.extra_topics, exclude=[settings.anchor]
        )
        self.consumer: EventConsumer | None = None
        self.prepared = asyncio.Event()
        self.lease: Lease | None = None
        self.role = "active" if settings.consume and not settings.standby else "reader"
        self.tenures = 0  # times this process took the lease

    async def run(self, store: DocumentStore, event_log: EventLog) -> None:
        if self.settings.consume and self.settings.standby:
            return await self._run_leased(store, event_log)
        ledger = await self._prepare(store, event_log, writing=self.settings.consume)
        self.holder.ledger = ledger
        self.prepared.set()
        if not self.settings.consume or ledger.writer is None:
            return
        work = [self._consume(ledger, event_log), self._checkpoints(ledger)]
        await asyncio.gather(*work)

    async def _run_leased(self, store: DocumentStore, event_log: EventLog) -> None:
        """Serve queries; append only while holding the lease (see docs/replicas.md).

        Each tenure opens its own clients: the store adapter's in-process caches of an
        earlier tenure would be stale after another process appended."""
        reading = await self._prepare(store, event_log, writing=False)
        self.holder.ledger = reading
        self.prepared.set()
        lease = self.lease = Lease(store.collection(LEASES), "ledger", self.settings.lease)
        while True:
            self.role = "standby"
            log.info("ledger.standby", extra={"holder": lease.holder})
            epoch = await lease.take()
            self.role = "active"
            self.tenures += 1
            log.info("ledger.active", extra={"epoch": epoch, "holder": lease.holder})
            backends = self.settings.backends
            try:
                async with open_backends(backends, db=self.settings.db) as (raw, tenure_log):
                    gated = GatedStore(raw, self.holder.gate, "ledger") if self.holder.gate else raw
                    ledger = await self._prepare(gated, tenure_log, writing=True)
                    self.holder.ledger = ledger
                    async with asyncio.TaskGroup() as tasks:
                        tasks.create_task(lease.keep())
                        tasks.create_task(self._consume(ledger, tenure_log, lease))
                        tasks.create_task(self._checkpoints(ledger))
            except* LeaseLost:
                log.error("ledger.lease_lost", extra={"holder": lease.holder})
            finally:
                self.holder.ledger = reading

    async def _prepare(self, store: DocumentStore, event_log: EventLog, *, writing: bool) -> Ledger:
        async def attempt() -> Ledger:
            if writing:
                await prepare_anchor_topic(self.settings, event_log)
            return await open_ledger(
                self.settings, store, event_log, writing=writing, clock=self.clock
            )

        return await until_prepared(attempt, log, "ledger.prepare_waiting", {})

    async def _consume(
        self, ledger: Ledger, event_log: EventLog, lease: Lease | None = None
    ) -> None:
        writer, pause = ledger.writer, self.settings.test_pause_after_append_s
        assert writer is not None

        async def append(batch: Sequence[tuple[Event, LogRecord]]) -> None:
            if lease is not None and lease.remaining_s() < self.settings.lease.margin_s:
                # Too close to the lease's end to start a write that must land before it;
                # a PortError: the consumer retries (and keep() renews, or ends this tenure).
                raise LeaseLost("lease ending: not appending")
            if tracing.enabled():  # one consumer span per event, continuing its trace
                spans = [
                    tracing.start_span(
                        "ledger",
                        f"ledger.append {record.topic}",
                        kind="consumer",
                        parent=consumer_context(record, event),
                        attributes={"rumah.event_id": str(event.get("id"))},
                    )
                    for event, record in batch
                ]
                with tracing.ended(spans):
                    await writer.append([event for event, _ in batch])
            else:
                await writer.append([event for event, _ in batch])
            if pause:
                await asyncio.sleep(pause)  # fault injection: widen append → commit

        self.consumer = EventConsumer(
            event_log,
            self.topics,
            group=self.settings.consumer_group,
            batch_handler=append,
            schemas=load_schemas(),
            max_records=self.settings.batch_max,
            poll_timeout_s=0.5,
        )
        log.info("ledger.consuming", extra={"topics": self.topics, "head": writer.head.seq})
        await self.consumer.run(asyncio.Event())

    async def _checkpoints(self, ledger: Ledger) -> None:
        assert ledger.checkpointer is not None
        while True:
            await asyncio.sleep(self.settings.checkpoint_interval_s)
            try:
                await ledger.checkpointer.tick()
            except PortError as exc:
                log.warning("ledger.checkpoint_failed", extra={"reason": repr(exc)})


def create_app(settings: LedgerSettings, *, clock: Clock = utc_now) -> Starlette:
    """The ledger's ASGI app; nothing is opened until its lifespan starts (raises
    ``rumah.common.keys.KeyConfigError`` without the gateway's public key)."""
    holder = LedgerHolder()
    credentials = GatewayCredentials.from_settings(settings.subgraph_auth, "ledger")
    runner = _Runner(settings, holder, clock)
    running: Holder[Readiness] = Holder()

    @contextlib.asynccontextmanager
    async def open_runtime() -> AsyncIterator[Readiness]:
        async with open_backends(settings.backends, db=settings.db) as (raw_store, event_log):
            gate = holder.gate = EngineGate(engines_of(settings.backends, settings.db), clock)
            store = GatedStore(raw_store, gate, "ledger")
            probes = {"store": raw_store.ping, "log": event_log.ping}
            async with (
                Readiness(
                    probes, interval_s=2.0, listener=gate.record, details=readiness_details(gate)
                ) as readiness,
                background(runner.run(store, event_log)),
            ):
                log.info("ledger.started", extra={"db": settings.db, "topics": len(runner.topics)})
                try:
                    yield readiness
                finally:
                    holder.ledger = None

    def failing_of(readiness: Readiness) -> Mapping[str, str]:
        failing = dict(readiness.state.reasons)
        if holder.gate is not None:
            failing = described(failing, holder.gate)
        if not runner.prepared.is_set():
            failing.setdefault("prepare", "head and intent not recovered yet")
        return failing

    async def status(request: Request) -> Response:
        ledger, consumer = holder.ledger, runner.consumer
        writer = ledger.writer if ledger else None
        cp = ledger.checkpointer.latest if ledger and ledger.checkpointer else None
        return JSONResponse(
            {
                "db": settings.db,
                "role": runner.role,
                "epoch": runner.lease.epoch if runner.lease else None,
                "topics": runner.topics,
                "group": settings.consumer_group,
                "head": None
                if writer is None
                else {
                    "seq": writer.head.seq,
                    "hash": writer.head.hash,
                    "recordedAt": writer.head.recorded_at,
                },
                "duplicatesDropped": writer.duplicates if writer else 0,
                "handled": consumer.handled if consumer else 0,
                "deadLettered": consumer.dead_lettered if consumer else 0,
                "latestCheckpoint": None if cp is None else cp.anchor(settings.db),
            }
        )

    def collect() -> Iterable[Metric]:
        ledger, consumer = holder.ledger, runner.consumer
        writer = ledger.writer if ledger else None
        cp = ledger.checkpointer.latest if ledger and ledger.checkpointer else None
        db = {"ledger": settings.db}
        yield gauge(
            "rumah_ledger_up",
            "1 while the ledger's store is open and its head known.",
            db,
            0.0 if writer is None else 1.0,
        )
        yield gauge(
            "rumah_ledger_head_seq",
            "Sequence number of the newest entry.",
            db,
            writer.head.seq if writer else 0,
        )
        yield counter(
            "rumah_ledger_events_handled",
            "Events consumed from the log since start.",
            db,
            consumer.handled if consumer else 0,
        )
        yield counter(
            "rumah_ledger_duplicates_dropped",
            "Events not appended because their id is already in the ledger.",
            db,
            writer.duplicates if writer else 0,
        )
        yield counter(
            "rumah_ledger_dead_lettered",
            "Invalid events sent to the dead-letter topic.",
            db,
            consumer.dead_lettered if consumer else 0,
        )
        yield gauge(
            "rumah_ledger_checkpoint_seq",
            "Head sequence of the latest checkpoint.",
            db,
            cp.seq if cp else 0,
        )
        yield from dependencies_up(db, running.current)

    graphql = RequireGatewayCredential(_LedgerGraphQL(holder, settings), credentials)
    return shell_app(
        "ledger",
        running,
        open_runtime,
        routes=[
            Route("/graphql", graphql),
            WebSocketRoute("/graphql", graphql),
            Route("/ledger/status", status),
        ],
        failing=failing_of,
        collect=collect,
    )
