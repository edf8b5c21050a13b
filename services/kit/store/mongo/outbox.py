"""Outbox bookkeeping of one Mongo store process: entry sequence numbers and the checkpoint.

Every outbox entry this process writes carries its writer id ``w`` and a sequence number
``s`` (increasing per writer). The relay acknowledges by advancing the writer's checkpoint
(one small document per writer in ``_outbox_checkpoints``, written once per relayed batch):
every entry with ``s <= checkpoint`` was published. Nothing is removed from documents at
ack time; a document's published entries are dropped by its next write (``$set`` of the
outbox instead of ``$push``) when this process knows what that outbox holds. A scan counts
an entry as pending when ``s`` is above its writer's checkpoint (and, for this writer, not
acknowledged yet); entries without ``w`` (older code) are pending until ``$pullAll``-ed.

A write whose outcome is unknown (the engine timed out) keeps its sequence numbers open:
the checkpoint cannot pass them until a scan finds the entries (and they are relayed) or
sees that the document moved on without them.
"""

from __future__ import annotations

import heapq
import time
import uuid
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

CHECKPOINTS = "_outbox_checkpoints"
UNKNOWN_GIVE_UP_S = 120.0  # a write unanswered for this long is taken as never applied


@dataclass(frozen=True, slots=True)
class Unknown:
    collection: str
    doc_id: str
    expected: int  # the version the write expected (ANY_VERSION: -1)
    since: float = field(default_factory=time.monotonic)


class OutboxSequence:
    """Sequence numbers of this writer, what became of them, and the checkpoint."""

    def __init__(self, clean_capacity: int = 200_000) -> None:
        self.writer = uuid.uuid4().hex[:16]
        self._next = 1
        self._open: list[int] = []  # heap of assigned, unresolved numbers (lazy deletion)
        self._resolved: set[int] = set()  # resolved but above the checkpoint
        self.unknown: dict[int, Unknown] = {}
        # entry id → its numbers, while not acknowledged (two writes racing for one version
        # of a document carry the same derived ids; at most one of them is stored)
        self.by_entry: dict[str, list[int]] = {}
        self.persisted = 0  # checkpoint last written to the store
        # Own entry ids acknowledged lately: an acknowledgement retried after the store failed
        # to persist it is still recognised as this writer's (not "foreign", whose removal
        # by $pullAll costs FerretDB a collection scan per document — and would time out
        # again, forever).
        self._acked: OrderedDict[str, None] = OrderedDict()
        # (collection, id) → (version, highest own number in its outbox; 0 = empty): what
        # this process knows a document's outbox holds, so its next write may trim it.
        self._clean: OrderedDict[tuple[str, str], tuple[int, int]] = OrderedDict()
        self._clean_capacity = clean_capacity

    # ---------------------------------------------------------------- numbers
    def assign(self, count: int) -> list[int]:
        numbers = list(range(self._next, self._next + count))
        self._next += count
        for n in numbers:
            heapq.heappush(self._open, n)
        return numbers

    def written(self, numbers: Sequence[int], entry_ids: Sequence[str]) -> None:
        for n, entry_id in zip(numbers, entry_ids, strict=True):
            self.by_entry.setdefault(entry_id, []).append(n)

    def refused(self, numbers: Sequence[int], entry_ids: Sequence[str]) -> None:
        """A write that was certainly not applied: its numbers are done."""
        for n, entry_id in zip(numbers, entry_ids, strict=True):
            left = [m for m in self.by_entry.get(entry_id, ()) if m != n]
            if left:
                self.by_entry[entry_id] = left
            else:
                self.by_entry.pop(entry_id, None)
        self.resolve(numbers)

    def resolve(self, numbers: Sequence[int]) -> None:
        """Acknowledged, or certainly never written."""
        for n in numbers:
            self._resolved.add(n)
            self.unknown.pop(n, None)
        while self._open and self._open[0] in self._resolved:
            self._resolved.discard(heapq.heappop(self._open))

    def mark_unknown(self, numbers: Sequence[int], where: Unknown) -> None:
        for n in numbers:
            self.unknown[n] = where

    def acknowledge(self, entry_ids: Sequence[str]) -> list[str]:
        """Resolve this writer's entries; return the ids that are not this writer's."""
        foreign: list[str] = []
        mine: list[int] = []
        for entry_id in entry_ids:
            numbers = self.by_entry.pop(entry_id, None)
            if numbers is not None:
                mine.extend(numbers)
                self._acked[entry_id] = None
                if len(self._acked) > self._clean_capacity:
                    self._acked.popitem(last=False)
            elif entry_id not in self._acked:
                foreign.append(entry_id)
        self.resolve(mine)
        return foreign

    @property
    def checkpoint(self) -> int:
        """Every own number up to here is acknowledged or was never written."""
        return (self._open[0] - 1) if self._open else self._next - 1

    def is_pending(self, number: int) -> bool:
        """An own entry still to be relayed (or whose ack is in flight)."""
        return number > self.checkpoint and number not in self._resolved

    # ---------------------------------------------------------------- known outboxes
    def known(self, collection: str, doc_id: str) -> tuple[int, int] | None:
        return self._clean.get((collection, doc_id))

    def learn(self, collection: str, doc_id: str, version: int, highest: int | None) -> None:
        """After a write or a read: ``highest`` own number in the outbox (0 = nothing
        pending of anyone's), or None when the outbox holds something else (forget)."""
        key = (collection, doc_id)
        if highest is None:
            self._clean.pop(key, None)
            return
        self._clean[key] = (version, highest)
        self._clean.move_to_end(key)
        if len(self._clean) > self._clean_capacity:
            self._clean.popitem(last=False)

    def trimmable(self, collection: str, doc_id: str, version: int) -> bool:
        """True when the document at ``version`` holds only relayed entries of this writer."""
        known = self._clean.get((collection, doc_id))
        return known is not None and known[0] == version and known[1] <= self.checkpoint

    def outbox_state(self, outbox: Sequence[Mapping[str, Any]] | None) -> int | None:
        """``learn``'s ``highest`` for a stored outbox as read from the engine."""
        highest = 0
        for e in outbox or ():
            if e.get("w") != self.writer:
                return None
            highest = max(highest, int(e.get("s", 0)))
        return highest


def stored_entry(e: Any, writer: str, number: int, now_ms: int) -> dict[str, Any]:
    return {
        "id": e.id,
        "topic": e.topic,
        "key": e.key,
        "value": e.value,
        "w": writer,
        "s": number,
        "at": now_ms,
    }


def now_ms() -> int:
    return int(time.time() * 1000)
