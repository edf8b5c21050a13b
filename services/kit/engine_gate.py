"""Fail fast while an engine is known to be down, and remember since when (and, while
tracing is on, a span per store call: the one wrapper every service's store goes through).

Readiness probes the store and the log; it tells the ``EngineGate`` each result. While the
store's probe fails, every collection call of a ``GatedStore`` raises ``EngineDown`` at once
(naming the engine and the moment it went down) instead of waiting for the driver's own
timeouts — a client gets a coded ``UNAVAILABLE`` error immediately, and the background work
(ingest, jobs) backs off as it does for any ``StoreUnavailable``. Probes themselves go
straight to the engine (``ping`` is not gated), so the gate opens again when it is back.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from rumah.common import tracing
from rumah.common.clock import Clock, utc_now
from services.kit.engines import Engine
from services.kit.ports import (
    Collection,
    Document,
    DocumentStore,
    Filter,
    Inserted,
    OutboxAck,
    OutboxEntry,
    OutboxFeed,
    Page,
    PendingOutbox,
    SortSpec,
    StoreUnavailable,
    Write,
    WriteResult,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Outage:
    engine: Engine
    since: datetime
    reason: str  # the driver's words: for logs, never for clients


class EngineDown(StoreUnavailable):
    """The store is known to be down (raised without asking it)."""

    def __init__(self, outage: Outage) -> None:
        super().__init__(f"{outage.engine.describe()} unreachable since {outage.since.isoformat()}")
        self.outage = outage


class EngineGate:
    """Outages by role (``store``, ``log``), fed by readiness (``record``).

    An engine counts as down after ``failures`` probes in a row failed (one slow probe on a
    busy machine does not turn requests away); ``since`` is the first of them.
    """

    def __init__(
        self, engines: Mapping[str, Engine], clock: Clock = utc_now, *, failures: int = 2
    ) -> None:
        self.engines = dict(engines)
        self._clock = clock
        self._threshold = failures
        self._failing: dict[str, tuple[int, datetime]] = {}
        self._down: dict[str, Outage] = {}

    def record(self, role: str, failure: str | None) -> None:
        """A probe result: ``failure`` is why it failed, ``None`` when it answered."""
        engine = self.engines.get(role)
        if engine is None:
            return
        if failure is None:
            self._failing.pop(role, None)
            self._down.pop(role, None)
            return
        count, first = self._failing.get(role, (0, self._clock()))
        self._failing[role] = (count + 1, first)
        if count + 1 >= self._threshold and role not in self._down:
            self._down[role] = Outage(engine, first, failure)

    def failing_since(self, role: str) -> datetime | None:
        """When the current run of failed probes began (before it counts as an outage too)."""
        failing = self._failing.get(role)
        return None if failing is None else failing[1]

    def outage(self, role: str) -> Outage | None:
        return self._down.get(role)

    def since(self, role: str) -> datetime | None:
        outage = self._down.get(role)
        return None if outage is None else outage.since

    def check(self, role: str = "store") -> None:
        outage = self._down.get(role)
        if outage is not None:
            raise EngineDown(outage)


class GatedCollection:
    """A collection that fails fast while the gate is closed and, while tracing is on, makes
    a client span per call (``store.get licensing_permits``)."""

    def __init__(self, inner: Collection, gate: EngineGate, component: str = "store") -> None:
        self._inner, self._gate = inner, gate
        self.name = inner.name
        engine = gate.engines.get("store")
        self._attributes = {
            "db.system.name": engine.name if engine else "store",
            "db.collection.name": inner.name,
        }
        self._component = component

    async def _call(self, operation: str, call: Callable[[], Awaitable[T]]) -> T:
        self._gate.check()
        if not tracing.enabled():
            return await call()
        attributes = {**self._attributes, "db.operation.name": operation}
        with tracing.span(
            self._component, f"store.{operation} {self.name}", kind="client", attributes=attributes
        ):
            return await call()

    async def ensure_index(self, fields: Sequence[str], *, unique: bool = False) -> None:
        await self._call("ensure_index", lambda: self._inner.ensure_index(fields, unique=unique))

    async def get(self, doc_id: str) -> Document | None:
        return await self._call("get", lambda: self._inner.get(doc_id))

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        return await self._call(
            "get_many", lambda: self._inner.get_many(doc_ids, for_write=for_write)
        )

    async def put(
        self, doc: Mapping[str, Any], *, expected_version: int, outbox: Sequence[OutboxEntry] = ()
    ) -> int:
        return await self._call(
            "put", lambda: self._inner.put(doc, expected_version=expected_version, outbox=outbox)
        )

    async def put_many(self, writes: Sequence[Write]) -> list[WriteResult]:
        return await self._call("put_many", lambda: self._inner.put_many(writes))

    async def insert_new(self, docs: Sequence[Mapping[str, Any]], *, ordered: bool) -> Inserted:
        return await self._call("insert_new", lambda: self._inner.insert_new(docs, ordered=ordered))

    async def find(
        self,
        flt: Filter | None = None,
        *,
        sort: SortSpec = (),
        limit: int = 100,
        after: str | None = None,
    ) -> Page:
        return await self._call(
            "find", lambda: self._inner.find(flt, sort=sort, limit=limit, after=after)
        )

    async def count(self, flt: Filter | None = None) -> int:
        return await self._call("count", lambda: self._inner.count(flt))

    async def delete(self, doc_id: str) -> bool:
        return await self._call("delete", lambda: self._inner.delete(doc_id))


class GatedStore:
    """``DocumentStore`` whose collections fail fast while the gate knows the store is down."""

    def __init__(self, inner: DocumentStore, gate: EngineGate, component: str = "store") -> None:
        self.inner, self.gate, self.component = inner, gate, component
        self._collections: dict[str, GatedCollection] = {}

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def ping(self) -> None:
        await self.inner.ping()

    def collection(self, name: str) -> Collection:
        found = self._collections.get(name)
        if found is None:
            found = GatedCollection(self.inner.collection(name), self.gate, self.component)
            self._collections[name] = found
        return found

    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        return await self.inner.outbox_pending(limit, min_age_s=min_age_s)

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        await self.inner.outbox_ack_many(acks)

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        self.inner.add_outbox_feed(callback)


def described(reasons: Mapping[str, str], gate: EngineGate) -> dict[str, str]:
    """Readiness reasons as a person reads them: a down engine by name, address, since when
    and what fixes it — not the driver's exception text (that is in the log)."""
    out = dict(reasons)
    for role in reasons:
        engine, since = gate.engines.get(role), gate.failing_since(role)
        if engine is not None and since is not None:
            out[role] = (
                f"{engine.describe()} unreachable since "
                f"{since.isoformat(timespec='seconds')}; {engine.fix}"
            )
    return out


def readiness_details(gate: EngineGate) -> dict[str, dict[str, str]]:
    """Fields for readiness log lines: ``engine``, ``address``, ``fix`` per probe."""
    return {
        role: {"engine": e.name, "address": e.address, "fix": e.fix}
        for role, e in gate.engines.items()
    }
