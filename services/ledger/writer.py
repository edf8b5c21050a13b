"""Appending events: dedupe, claim, chain, insert — one round of each per batch.

Per batch (one poll of the consumer):

1. drop events whose id this process saw appended (``recent``) or that repeat in the batch;
2. write the *intent* (ids claimed but not yet appended, and from which position) to the
   small ``ledger_meta`` collection;
3. *claim* the ids: one unordered insert into ``event_ids`` (``_id`` = event id). An id that
   exists there is already in the ledger — dropped — unless it is one of our own unfinished
   claims (``pending``: a retry, or the intent found at start-up after a crash);
4. chain the rest from the in-memory head and insert them (one ordered insert per segment).

``event_ids`` is written, never read: a unique ``_id`` costs FerretDB an index insert, a
read a scan. A crash anywhere leaves a state the next start resolves: entries without a
commit are redelivered and their claims drop them; claims without entries are listed in the
intent, so their events are appended when redelivered. Positions are ``_id``s, so a second
writer (or a lost answer) makes the insert fail instead of forking the chain: the head is
then re-read from the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict, deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.kit.ports import ANY_VERSION, Document, DocumentStore, PortError
from services.ledger.appender import Appender
from services.ledger.chain import GENESIS
from services.ledger.entry import build_entry, utc_text
from services.ledger.segments import PositionTaken, Segments

log = logging.getLogger("rumah.ledger")

CLAIMS = "event_ids"
META = "ledger_meta"
_ATTEMPTS = 5


class LedgerConflict(PortError):
    """Another process keeps appending to this ledger (run one ledger writer per database)."""


@dataclass(frozen=True, slots=True)
class Head:
    seq: int
    hash: str
    recorded_at: str


EMPTY = Head(0, GENESIS, "")


class LedgerWriter:
    def __init__(
        self,
        store: DocumentStore,
        appender: Appender,
        entries: Segments,
        *,
        clock: Callable[[], datetime],
        recent_window: int = 20_000,
        ring_size: int = 5_000,
    ) -> None:
        self._store, self._appender, self.entries = store, appender, entries
        self._clock = clock
        self._recent: OrderedDict[str, None] = OrderedDict()
        self._recent_window = recent_window
        self._pending: set[str] = set()
        self._pending_base: int | None = None
        self.ring: deque[Document] = deque(maxlen=ring_size)
        self.head = EMPTY
        self._lock = asyncio.Lock()
        self._appended = asyncio.Event()
        self.duplicates = 0

    # ------------------------------------------------------------------ start-up
    async def recover(self) -> None:
        """Read the head, the ids of the last segment and the intent left by a crash."""
        async with self._lock:
            await self._reload()
            intent = await self._store.collection(META).get("intent")
            ids = list((intent or {}).get("ids") or ())
            if ids:
                base = int(intent.get("base") or 1)  # type: ignore[union-attr]
                appended = {d["eventId"] async for d in self.entries.scan(base, self.head.seq)}
                self._pending = set(ids) - appended
                self._pending_base = base if self._pending else None
            log.info(
                "ledger.recovered", extra={"head": self.head.seq, "pending": len(self._pending)}
            )

    async def _reload(self) -> None:
        last = await self.entries.last()
        if last == 0:
            self.head = EMPTY
            return
        start = max(
            1,
            min(
                last - self._recent_window + 1,
                self.entries.bounds(self.entries.segment_of(last))[0],
            ),
        )
        top: Document | None = None
        async for doc in self.entries.scan(start, last):
            self._remember(doc["eventId"])
            top = doc
        if top is None:
            raise LedgerConflict(f"ledger head {last} vanished while reading it")
        self.head = Head(int(top["seq"]), top["hash"], top["recordedAt"])

    # ------------------------------------------------------------------ appending
    async def append(self, events: Sequence[Mapping[str, Any]]) -> list[Document]:
        """Append the events not in the ledger yet; return the new entries."""
        async with self._lock:
            batch = self._unseen(events)
            for _ in range(_ATTEMPTS):
                if not batch:
                    return []
                ours = set(self._pending)  # claimed earlier, maybe never appended
                await self._write_intent(batch)
                fresh = await self._claim(batch, ours)
                if not fresh:
                    return []
                docs = self._chain(fresh)
                try:
                    await self.entries.insert(docs)
                except PositionTaken as exc:
                    log.warning(
                        "ledger.position_taken", extra={"seq": exc.seq, "head": self.head.seq}
                    )
                    await self._reload()
                    batch = self._unseen(fresh)
                    continue
                self._advance(docs)
                return docs
            raise LedgerConflict("positions kept being taken: is a second ledger writer running?")

    def _unseen(self, events: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        out, seen = [], set()
        for ev in events:
            eid = ev["id"]
            if eid in seen or eid in self._recent:
                self.duplicates += 1
                continue
            seen.add(eid)
            out.append(ev)
        return out

    async def _write_intent(self, batch: Sequence[Mapping[str, Any]]) -> None:
        if self._pending_base is None:
            self._pending_base = self.head.seq + 1
        ids = sorted(self._pending | {ev["id"] for ev in batch})
        intent = {"_id": "intent", "ids": ids, "base": self._pending_base}
        await self._store.collection(META).put(intent, expected_version=ANY_VERSION)
        self._pending.update(ev["id"] for ev in batch)

    async def _claim(
        self, batch: Sequence[Mapping[str, Any]], ours: set[str]
    ) -> list[Mapping[str, Any]]:
        claims = [{"_id": ev["id"]} for ev in batch]
        outcome = await self._appender.insert(CLAIMS, claims, ordered=False)
        existing = set(outcome.existing)
        fresh = []
        for i, ev in enumerate(batch):
            if i in existing and ev["id"] not in ours:  # claimed before: in the ledger
                self.duplicates += 1
                self._pending.discard(ev["id"])
                self._remember(ev["id"])
                continue
            fresh.append(ev)
        if not self._pending:
            self._pending_base = None
        if len(fresh) < len(batch):
            log.info("ledger.duplicates_dropped", extra={"count": len(batch) - len(fresh)})
        return fresh

    def _chain(self, events: Sequence[Mapping[str, Any]]) -> list[Document]:
        recorded = max(utc_text(self._clock()), self.head.recorded_at)
        prev, seq, docs = self.head.hash, self.head.seq, []
        for ev in events:
            seq += 1
            doc = build_entry(seq, recorded, prev, ev)
            prev = doc["hash"]
            docs.append(doc)
        return docs

    def _advance(self, docs: Sequence[Document]) -> None:
        top = docs[-1]
        self.head = Head(int(top["seq"]), top["hash"], top["recordedAt"])
        for doc in docs:
            self._remember(doc["eventId"])
            self._pending.discard(doc["eventId"])
            self.ring.append(doc)
        if not self._pending:
            self._pending_base = None
        self._appended.set()
        self._appended = asyncio.Event()

    def _remember(self, event_id: str) -> None:
        self._recent[event_id] = None
        self._recent.move_to_end(event_id)
        while len(self._recent) > self._recent_window:
            self._recent.popitem(last=False)

    async def wait_appended(self, beyond: int, timeout_s: float) -> None:
        """Return once the head is past ``beyond`` (at once if it is), or after ``timeout_s``."""
        if self.head.seq > beyond:
            return
        try:
            await asyncio.wait_for(self._appended.wait(), timeout_s)
        except TimeoutError:
            pass
