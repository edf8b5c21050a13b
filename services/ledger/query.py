"""Reading the ledger: filters, pages by sequence, the time → position lookup and the live
feed that replays then follows with no gap and no duplicate.

Everything is keyed by sequence: a page is "entries with seq in (after, end] that match",
and the cursor it returns is the last position *examined*, so the next page (or the live
feed after a replay) continues exactly there. Live entries come from the writer's in-memory
ring when it still holds the cursor's successor, otherwise from the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.kit.ports import Document
from services.ledger.segments import Segments
from services.ledger.writer import LedgerWriter


@dataclass(frozen=True, slots=True)
class Criteria:
    """What an auditor filters on; ``time_from``/``time_to`` are ``utc_text`` instants."""

    opd: str | None = None
    service: str | None = None
    event_type: str | None = None
    entity_type: str | None = None
    entity_id: str | None = None
    position: str | None = None
    time_from: str | None = None
    time_to: str | None = None
    reads: str | None = None  # access records whose response carried this entity (Type:key)
    hide_access: bool = False  # leave access records out (the principal lacks access:read)
    hide_types: frozenset[str] = frozenset()  # event types left out (services.ledger.access)

    def _equalities(self) -> dict[str, str]:
        pairs = {
            "opd": self.opd,
            "service": self.service,
            "type": self.event_type,
            "entityType": self.entity_type,
            "subject": self.entity_id,
        }
        return {k: v for k, v in pairs.items() if v is not None}

    def store_filter(self) -> dict[str, Any]:
        """The part the store evaluates (the position is checked in ``matches``)."""
        flt: dict[str, Any] = dict(self._equalities())
        if self.reads is not None:
            flt.setdefault("type", ACCESS_TYPE)  # only access records can match
        bounds = {}
        if self.time_from is not None:
            bounds["$gte"] = self.time_from
        if self.time_to is not None:
            bounds["$lte"] = self.time_to
        if bounds:
            flt["time"] = bounds
        return flt

    def matches(self, doc: Document) -> bool:
        if any(doc.get(k) != v for k, v in self._equalities().items()):
            return False
        moment = doc.get("time")
        if self.time_from is not None and (moment is None or moment < self.time_from):
            return False
        if self.time_to is not None and (moment is None or moment > self.time_to):
            return False
        if self.hide_access and doc.get("type") == ACCESS_TYPE:
            return False
        if doc.get("type") in self.hide_types:
            return False
        if self.reads is not None and not _read(doc, self.reads):
            return False
        return self.position is None or self.position in (doc.get("positions") or ())


ACCESS_TYPE = "id.go.serdangbedagaikab.gateway.access.recorded"


def _read(doc: Document, entity: str) -> bool:
    """An access record whose response carried ``entity`` (or whose arguments named its key)."""
    if doc.get("type") != ACCESS_TYPE:
        return False
    try:
        data = orjson.loads(doc["eventJson"]).get("data") or {}
    except (KeyError, TypeError, orjson.JSONDecodeError):
        return False
    if entity in (data.get("entities") or ()):
        return True
    key = entity.partition(":")[2]
    return bool(key) and any(
        key in (f.get("arguments") or {}).values() for f in data.get("fields") or ()
    )


@dataclass(slots=True)
class Slice:
    items: list[Document] = field(default_factory=list)
    scanned_to: int = 0  # every position up to here was examined
    head: int = 0  # the head when the page was read

    @property
    def caught_up(self) -> bool:
        return self.scanned_to >= self.head


class LedgerReader:
    def __init__(
        self,
        entries: Segments,
        writer: LedgerWriter | None,
        *,
        poll_interval_s: float = 1.0,
        max_segments: int = 10,
    ) -> None:
        self.entries, self._writer = entries, writer
        self._poll_interval_s, self._max_segments = poll_interval_s, max_segments
        self._head_cache: tuple[float, int] = (0.0, 0)

    async def head(self) -> int:
        if self._writer is not None:
            return self._writer.head.seq
        at, seq = self._head_cache
        if time.monotonic() - at > self._poll_interval_s / 2:
            seq = await self.entries.last()
            self._head_cache = (time.monotonic(), seq)
        return seq

    async def get(self, seq: int) -> Document | None:
        return await self.entries.get(seq)

    async def page(
        self, criteria: Criteria, after: int, limit: int, *, until: int | None = None
    ) -> Slice:
        """Up to ``limit`` matching entries after ``after``, scanning at most the configured
        number of segments; ``scanned_to`` is where the next page starts."""
        head = await self.head()
        end = head if until is None else min(head, until)
        if after >= end or limit <= 0:
            return Slice([], after, head)
        ring = self._writer.ring if self._writer is not None else None
        if ring and ring[0]["seq"] <= after + 1:
            return self._from_ring(criteria, after, end, limit, head)
        out = Slice([], after, head)
        first_segment = self.entries.segment_of(after + 1)
        last_segment = min(self.entries.segment_of(end), first_segment + self._max_segments - 1)
        for segment in range(first_segment, last_segment + 1):
            lo, hi = self.entries.bounds(segment)
            async for doc in self.entries.scan(
                max(after + 1, lo), min(end, hi), criteria.store_filter()
            ):
                if criteria.matches(doc):
                    out.items.append(doc)
                    if len(out.items) == limit:
                        out.scanned_to = int(doc["seq"])
                        return out
            out.scanned_to = min(end, hi)
        return out

    def _from_ring(self, criteria: Criteria, after: int, end: int, limit: int, head: int) -> Slice:
        assert self._writer is not None
        out = Slice([], end, head)
        for doc in list(self._writer.ring):
            seq = doc["seq"]
            if after < seq <= end and criteria.matches(doc):
                out.items.append(doc)
                if len(out.items) == limit:
                    out.scanned_to = seq
                    break
        return out

    async def seq_before(self, moment: str) -> int:
        """The last position recorded before ``moment`` (``recordedAt`` never decreases)."""
        lo, hi = 0, await self.head() + 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            doc = await self.entries.get(mid)
            if doc is None or doc["recordedAt"] < moment:
                lo = mid
            else:
                hi = mid
        return lo

    async def wait_beyond(self, seq: int) -> None:
        """Until the head may have passed ``seq``: woken by this process's writer, or a poll."""
        if self._writer is not None:
            await self._writer.wait_appended(seq, self._poll_interval_s)
        else:
            await asyncio.sleep(self._poll_interval_s)

    async def follow(
        self, criteria: Criteria, cursor: int, *, page_size: int = 200
    ) -> AsyncIterator[Document]:
        """Every matching entry after ``cursor`` in order, replayed then live, forever."""
        while True:
            part = await self.page(criteria, cursor, page_size)
            for doc in part.items:
                yield doc
            cursor = part.scanned_to
            if part.caught_up:
                await self.wait_beyond(cursor)
