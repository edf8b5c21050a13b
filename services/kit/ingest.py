"""Upstream records in, canonical state + status events out (one write per record).

For every record: map (or quarantine), note schema drift, then compare its revision with
the stored one. Older → ignored (out of order); same → ignored (duplicate); newer → the
domain's ``react`` decides the stored document and the events, and both go into the store
in one write with the outbox entries — so the event exists iff the state changed. A batch
is read with one ``get_many`` and written with one ``put_many`` (one SQLite transaction;
MongoDB: one ``insert_many`` for new documents); each record's write still succeeds or fails
alone. Concurrent writers (pull + push webhook) are settled by the store's version check:
a conflicting record is re-read and judged again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Protocol

from rumah.common import tracing
from services.kit.drift import DriftReporter
from services.kit.envelope import InvalidEvent
from services.kit.mapping import EntityMapping, Mapped, Rejected, map_record
from services.kit.ports import (
    Collection,
    Document,
    DocumentStore,
    DuplicateKey,
    OutboxEntry,
    VersionConflict,
    Write,
)
from services.kit.quarantine import Quarantine
from services.kit.spec import EntityBinding, Event
from services.kit.written import EventsWritten

log = logging.getLogger("rumah.ingest")
MAX_CONFLICT_RETRIES = 8


class EventEncoder(Protocol):
    def encode(
        self,
        collection: str,
        doc_id: str,
        version: int,
        events: Sequence[Event],
        now: datetime,
        *,
        salt: str = "",
    ) -> list[OutboxEntry]: ...


@dataclass
class IngestResult:
    applied: int = 0
    unchanged: int = 0
    duplicates: int = 0
    outdated: int = 0
    quarantined: int = 0
    events: int = 0
    forwarded: int = 0  # handed to the replica that owns them (services.kit.intake)

    def add(self, other: IngestResult) -> None:
        for name in vars(self):
            setattr(self, name, getattr(self, name) + getattr(other, name))


class Ingest(Protocol):
    """Where upstream records go: the ``Ingestor``, or the intake of a replicated service."""

    async def ingest(
        self, binding: EntityBinding, raws: Sequence[Any], *, reconciling: bool = False
    ) -> IngestResult: ...


class Verdict(Enum):
    NEW = "new"
    NEWER = "newer"
    UNCHANGED = "unchanged"  # newer revision, same content: store the revision, no event
    DUPLICATE = "duplicate"
    OUTDATED = "outdated"


def revision_key(value: Any) -> Any:
    """Revisions are ints or ISO-8601 timestamps; compare timestamps as instants, not text."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def judge(old: Document | None, new: Mapped[Any], revision_field: str) -> Verdict:
    if old is None:
        return Verdict.NEW
    stored, incoming = revision_key(old.get(revision_field)), revision_key(new.revision)
    if incoming < stored:
        return Verdict.OUTDATED
    if incoming == stored:
        return Verdict.DUPLICATE
    return Verdict.UNCHANGED if old.get("source_hash") == new.content_hash else Verdict.NEWER


class KnownRevisions:
    """The newest revision this process knows is stored, per record: lets the pull skip, at
    the cost of one converted field, records the push webhook already applied. Only a hint:
    a record is skipped only when the store certainly holds this revision or a newer one."""

    def __init__(self, capacity: int = 200_000) -> None:
        self.capacity = capacity
        self._revs: dict[tuple[str, str], Any] = {}

    def note(self, collection: str, doc_id: str, revision: Any) -> None:
        if revision is None:
            return
        key, rev = (collection, doc_id), revision_key(revision)
        current = self._revs.get(key)
        if current is None or rev > current:
            if len(self._revs) >= self.capacity:
                self._revs.clear()  # crude but bounded; misses only cost the full path
            self._revs[key] = rev

    def judge(self, mapping: EntityMapping[Any], raw: Any) -> Verdict | None:
        """DUPLICATE/OUTDATED when certainly already stored; None when the full path must run."""
        if not self._revs or not isinstance(raw, Mapping):
            return None
        known = self._revs.get((mapping.entity, str(raw.get(mapping.id_source))))
        if known is None:
            return None
        fm = mapping.revision_field
        try:
            rev = fm.convert(raw[fm.source])
        except (KeyError, ValueError, TypeError):
            return None
        rev = rev.isoformat() if isinstance(rev, datetime) else rev
        incoming = revision_key(rev)
        if incoming == known:
            return Verdict.DUPLICATE
        return Verdict.OUTDATED if incoming < known else None


class Ingestor:
    def __init__(
        self,
        store: DocumentStore,
        quarantine: Quarantine,
        drift: DriftReporter,
        encoder: EventEncoder,
        clock: Callable[[], datetime],
        concurrency: int = 32,
        written: EventsWritten | None = None,
    ) -> None:
        self.store, self.quarantine, self.drift = store, quarantine, drift
        self.encoder, self.clock = encoder, clock
        self._sem = asyncio.Semaphore(concurrency)
        self.known = KnownRevisions()
        self.totals: dict[str, IngestResult] = {}  # per resource, since start (for /metrics)
        self.written = written or EventsWritten()  # events durably written, once each

    async def ingest(
        self, binding: EntityBinding, raws: Sequence[Any], *, reconciling: bool = False
    ) -> IngestResult:
        """Apply a batch of upstream records of one resource; never raises on bad data.
        While tracing is on the batch is a span (a root one for a pull, under the request's
        for a webhook); its events carry that trace.

        ``reconciling``: judge every record against the store, even one this process believes
        it stored (the point is to find where belief and store differ); the pass reports its
        own counts, so ``totals`` (the ingest metric) leaves it out.
        """
        if not tracing.enabled():
            return await self._ingest(binding, raws, reconciling)
        name, attributes = f"ingest {binding.resource}", {"rumah.records": len(raws)}
        with tracing.span("ingest", name, attributes=attributes):
            return await self._ingest(binding, raws, reconciling)

    async def _ingest(
        self, binding: EntityBinding, raws: Sequence[Any], reconciling: bool = False
    ) -> IngestResult:
        now, result = self.clock(), IngestResult()
        latest: dict[str, Mapped[Any]] = {}
        entity = binding.mapping.entity
        for raw in raws:
            seen = None if reconciling else self.known.judge(binding.mapping, raw)
            if seen is not None:  # this process already stored it (or newer): skip the work
                result.duplicates += seen is Verdict.DUPLICATE
                result.outdated += seen is Verdict.OUTDATED
                continue
            mapped = map_record(binding.mapping, raw)
            if isinstance(mapped, Rejected):
                await self._hold(binding, mapped.upstream_id, mapped.reason, raw, now, result)
                continue
            if mapped.unknown_fields:
                await self.drift.observe(entity, mapped.unknown_fields, now)
            prev = latest.get(mapped.id)
            if prev is None or revision_key(mapped.revision) >= revision_key(prev.revision):
                latest[mapped.id] = mapped
            if prev is not None:
                result.duplicates += 1  # two versions in one batch: only the newest counts
        coll = self.store.collection(binding.collection)
        await self._write_all(binding, coll, list(latest.values()), now, result, reconciling)
        if not reconciling:
            self.totals.setdefault(binding.resource, IngestResult()).add(result)
        return result

    async def _write_all(
        self,
        binding: EntityBinding,
        coll: Collection,
        todo: list[Mapped[Any]],
        now: datetime,
        result: IngestResult,
        reconciling: bool = False,
    ) -> None:
        """Judge, react and write a batch with ONE ``put_many``; conflicts are re-read and
        judged again (someone else wrote them meanwhile)."""
        # Reconciliation asks the engine, never this process's cache: what it repairs is
        # exactly what changed behind the cache's back (a document deleted or restored).
        ids = [m.id for m in todo]
        olds = await coll.get_many(ids, for_write=not reconciling) if todo else {}
        for _ in range(MAX_CONFLICT_RETRIES):
            writes: list[Write] = []
            planned: list[tuple[Mapped[Any], Verdict, int]] = []
            for mapped in todo:
                plan = await self._plan(
                    binding, coll, mapped, olds.get(mapped.id), now, result, reconciling
                )
                if plan is not None:
                    writes.append(plan[0])
                    planned.append((mapped, plan[1], len(plan[0].outbox)))
            if not writes:
                return
            try:
                outcomes = await coll.put_many(writes)
            except BaseException:  # no answer for the call: any of its writes may be stored
                self.written.unknown(binding.resource, (e.id for w in writes for e in w.outbox))
                raise
            conflicts: list[Mapped[Any]] = []
            refused: DuplicateKey | None = None
            for write, (mapped, verdict, events), outcome in zip(
                writes, planned, outcomes, strict=True
            ):
                if isinstance(outcome, VersionConflict):
                    conflicts.append(mapped)
                    continue
                if isinstance(outcome, DuplicateKey):
                    refused = refused or outcome
                    continue
                self.known.note(coll.name, mapped.id, mapped.revision)
                self.written.confirmed(binding.resource, (e.id for e in write.outbox))
                result.applied += verdict is not Verdict.UNCHANGED
                result.unchanged += verdict is Verdict.UNCHANGED
                result.events += events
                await self.quarantine.resolve(binding.mapping.entity, mapped.id)
            if refused is not None:
                raise refused
            if not conflicts:
                return
            todo = conflicts
            olds = await coll.get_many([m.id for m in todo])
        raise RuntimeError(f"{coll.name}: too many concurrent writers")

    async def _plan(
        self,
        binding: EntityBinding,
        coll: Collection,
        mapped: Mapped[Any],
        old: Document | None,
        now: datetime,
        result: IngestResult,
        reconciling: bool = False,
    ) -> tuple[Write, Verdict] | None:
        """The write for one record, or None when there is nothing to write. A repair by
        reconciliation salts its event ids with the content: the store may hold an older
        version than the log has seen (a lost document, a restored backup), and the repair's
        events must not take the ids of events already written for that version."""
        verdict = judge(old, mapped, binding.mapping.revision)
        if old is not None:
            self.known.note(coll.name, mapped.id, old.get(binding.mapping.revision))
        if verdict in (Verdict.DUPLICATE, Verdict.OUTDATED):
            result.duplicates += verdict is Verdict.DUPLICATE
            result.outdated += verdict is Verdict.OUTDATED
            if verdict is Verdict.OUTDATED:
                log.info("outdated_record_ignored", extra={"entity": coll.name, "id": mapped.id})
            return None
        doc = {**mapped.doc, "_id": mapped.id, "source_hash": mapped.content_hash}
        try:
            reaction = binding.react(old, doc, now)
        except ValueError as exc:  # the domain refuses it (e.g. an impossible move)
            await self._hold(binding, mapped.id, f"domain: {exc}", mapped.doc, now, result)
            return None
        events = () if verdict is Verdict.UNCHANGED else reaction.events
        expected = old["_v"] if old else 0
        salt = f"reconcile/{mapped.content_hash}" if reconciling else ""
        try:
            entries = self.encoder.encode(
                coll.name, mapped.id, expected + 1, events, now, salt=salt
            )
        except InvalidEvent as exc:  # e.g. larger than the log takes: held, never half-written
            await self._hold(binding, mapped.id, f"event: {exc}", mapped.doc, now, result)
            return None
        return Write(reaction.doc, expected, entries), verdict

    async def _hold(
        self,
        binding: EntityBinding,
        upstream_id: str | None,
        reason: str,
        raw: Any,
        now: datetime,
        result: IngestResult,
    ) -> None:
        await self.quarantine.hold(binding.mapping.entity, upstream_id, reason, raw, now)
        result.quarantined += 1
