"""Verification: recompute the chain and name the first broken link.

Each entry must sit at its own position (``_id`` = ``seq_id(seq)``), link to the stored hash
of the entry before it, hash to its stored hash, and carry query fields derived from its
event. The first entry that does not is classified by looking at its neighbours:

* ``deleted`` — positions are missing, or an entry's hash proves it was written at a later
  position (later entries renumbered);
* ``inserted`` — a document that is not a ledger position, or an entry that the next one
  skips (the next links to the same predecessor), or whose hash proves an earlier position;
* ``reordered`` — two neighbours swapped (positions or contents);
* ``altered`` — an entry whose content, hash or fields changed (``seq`` is the entry, or its
  predecessor when that was rehashed and only the next link shows it);
* ``checkpoint_mismatch`` — the chain is consistent but differs from a checkpoint or an
  anchor held outside (history rewritten and rehashed).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

from services.kit.ports import Document
from services.ledger.chain import GENESIS, entry_hash, parse_seq_id, seq_id
from services.ledger.checkpoints import Checkpoint, latest_checkpoint
from services.ledger.entry import QUERY_FIELDS, query_values
from services.ledger.segments import Segments

_RENUMBER_WINDOW = 8
PROGRESS_EVERY = 1000
Progress = Callable[[int, int], None]  # (entries checked, entries to check)


@dataclass(frozen=True, slots=True)
class Break:
    seq: int
    kind: str  # deleted | inserted | reordered | altered | checkpoint_mismatch
    detail: str


@dataclass(frozen=True, slots=True)
class Anchor:
    """A (position, hash) held outside the store: a checkpoint, or one given by an auditor."""

    seq: int
    hash: str
    source: str


@dataclass(slots=True)
class Verification:
    first: int
    last: int
    checked: int = 0
    head_hash: str = GENESIS  # hash of the last entry verified
    broken: Break | None = None
    anchors: list[Anchor] = field(default_factory=list)
    anchors_checked: int = 0
    checkpoint: Checkpoint | None = None

    @property
    def ok(self) -> bool:
        return self.broken is None

    def as_dict(self) -> dict[str, Any]:
        cp = self.checkpoint
        return {
            "ok": self.ok,
            "from": self.first,
            "to": self.last,
            "checked": self.checked,
            "headHash": self.head_hash,
            "anchorsChecked": self.anchors_checked,
            "latestCheckpoint": None
            if cp is None
            else {"checkpoint": cp.number, "seq": cp.seq, "hash": cp.hash, "time": cp.time},
            "break": None
            if self.broken is None
            else {"seq": self.broken.seq, "kind": self.broken.kind, "detail": self.broken.detail},
        }


def _fields_ok(doc: Mapping[str, Any]) -> bool:
    try:
        event = orjson.loads(doc["eventJson"])
    except (KeyError, TypeError, orjson.JSONDecodeError):
        return False
    if not isinstance(event, Mapping):
        return False
    return tuple(map(doc.get, QUERY_FIELDS)) == query_values(event)


def _self_ok(doc: Mapping[str, Any], seq: int) -> bool:
    """The entry hashes to its stored hash at ``seq`` (with its own stored ``prevHash``)."""
    try:
        return entry_hash(seq, doc["recordedAt"], doc["prevHash"], doc["eventJson"]) == doc["hash"]
    except (KeyError, TypeError, AttributeError):
        return False


def _link_ok(doc: Mapping[str, Any], seq: int, prev_hash: str) -> bool:
    if doc.get("_id") != seq_id(seq) or doc.get("seq") != seq or doc.get("prevHash") != prev_hash:
        return False
    return _self_ok(doc, seq) and _fields_ok(doc)


def _written_at(doc: Mapping[str, Any], seq: int) -> int | None:
    """The position the entry's hash was computed for, if it is near ``seq`` but not it."""
    for delta in range(1, _RENUMBER_WINDOW + 1):
        for candidate in (seq + delta, seq - delta):
            if candidate >= 1 and _self_ok(doc, candidate):
                return candidate
    return None


def classify(
    seq: int,
    prev_hash: str,
    prev: Mapping[str, Any] | None,
    d0: Mapping[str, Any],
    d1: Mapping[str, Any] | None,
) -> Break:
    """Why ``d0``, found where position ``seq`` should be, breaks the chain."""
    pos = parse_seq_id(d0.get("_id"))
    if pos is None:
        return Break(seq, "inserted", f"document {d0.get('_id')!r} is not a ledger position")
    if pos > seq:
        return Break(seq, "deleted", f"positions {seq}..{pos - 1} are missing")
    if d0.get("seq") != seq:
        if d0.get("seq") == seq + 1 and d1 is not None and d1.get("seq") == seq:
            return Break(seq, "reordered", f"entries {seq} and {seq + 1} are swapped")
        return Break(seq, "altered", f"position {seq} holds seq {d0.get('seq')!r}")
    linked = d0.get("prevHash") == prev_hash
    nxt = d1.get("prevHash") if d1 is not None else None
    if linked:
        if not _self_ok(d0, seq) and nxt == prev_hash:
            return Break(seq, "inserted", f"entry {seq} is skipped by the next link")
        if not _self_ok(d0, seq):
            return Break(seq, "altered", f"entry {seq} does not hash to its stored hash")
        return Break(seq, "altered", f"entry {seq}: query fields differ from its event")
    if d1 is not None and d0.get("prevHash") == d1.get("hash") and nxt == prev_hash:
        return Break(seq, "reordered", f"entries {seq} and {seq + 1} are swapped")
    if prev is not None and d0.get("prevHash") == prev.get("prevHash"):
        return Break(seq - 1, "inserted", f"entry {seq - 1} is not linked from entry {seq}")
    written = _written_at(d0, seq)
    if written is not None and written > seq:
        return Break(seq, "deleted", f"entry {seq} was written as {written}: entries removed")
    if written is not None and written < seq:
        return Break(written, "inserted", f"entry {seq} was written as {written}: entries added")
    if nxt == prev_hash:
        return Break(seq, "inserted", f"entry {seq} is skipped by the next link")
    if _self_ok(d0, seq) and d1 is not None and nxt == d0.get("hash"):
        return Break(seq - 1, "altered", f"entry {seq - 1} was changed and rehashed")
    return Break(seq, "altered", f"entry {seq} does not link to entry {seq - 1}")


async def _pairs(docs: AsyncIterator[Document]) -> AsyncIterator[tuple[Document, Document | None]]:
    prev: Document | None = None
    async for doc in docs:
        if prev is not None:
            yield prev, doc
        prev = doc
    if prev is not None:
        yield prev, None


async def verify(
    entries: Segments,
    checkpoints: Segments,
    *,
    first: int = 1,
    last: int | None = None,
    anchors: Sequence[Anchor] = (),
    on_progress: Progress | None = None,
) -> Verification:
    """Verify positions ``first``…``last`` (default: to the head, or further if a checkpoint
    or an anchor says the ledger was longer) against the chain, the latest checkpoint and
    ``anchors``. ``first`` > 1 trusts the stored hash of entry ``first - 1``.
    ``on_progress(checked, total)`` is called before the scan and every ``PROGRESS_EVERY``
    entries (a CLI's progress bar)."""
    first = max(first, 1)
    checkpoint = await latest_checkpoint(checkpoints)
    known = [*anchors]
    if checkpoint is not None:
        known.append(Anchor(checkpoint.seq, checkpoint.hash, f"checkpoint {checkpoint.number}"))
    stored = await entries.last()
    end = last if last is not None else max([stored, *(a.seq for a in known)])
    result = Verification(first, end, anchors=known, checkpoint=checkpoint)
    expected: dict[int, list[Anchor]] = {}  # every hash held for a position is checked
    for a in known:
        if first <= a.seq <= end:
            expected.setdefault(a.seq, []).append(a)
    prev: Document | None = None
    prev_hash = GENESIS
    if first > 1:
        prev = await entries.get(first - 1)
        if prev is None:
            result.broken = Break(first - 1, "deleted", f"entry {first - 1} is missing")
            return result
        prev_hash = prev["hash"]
    result.head_hash = prev_hash
    seq = first
    total = max(0, end - first + 1)
    if on_progress is not None:
        on_progress(0, total)
    # aclosing: an early return stops the scan's read-ahead now, not when it is collected
    async with contextlib.aclosing(entries.scan(first, end, strict=False, read_ahead=True)) as docs:
        async for d0, d1 in _pairs(docs):
            if seq > end:
                break
            if not _link_ok(d0, seq, prev_hash):
                result.broken = classify(seq, prev_hash, prev, d0, d1)
                return result
            for anchor in expected.get(seq, ()):
                result.anchors_checked += 1
                if anchor.hash != d0["hash"]:
                    detail = f"{anchor.source} recorded {anchor.hash} at {seq}"
                    result.broken = Break(seq, "checkpoint_mismatch", detail)
                    return result
            prev, prev_hash = d0, d0["hash"]
            result.checked += 1
            result.head_hash = prev_hash
            seq += 1
            if on_progress is not None and result.checked % PROGRESS_EVERY == 0:
                on_progress(result.checked, total)
    if seq <= end:
        result.broken = Break(seq, "deleted", f"the ledger ends at {seq - 1}; {end} expected")
    return result
