"""Evidence files: the entries of a range with their chain hashes, then the verification.

JSON Lines: one ``{"seq", "recordedAt", "prevHash", "hash", "eventJson"}`` per entry —
``eventJson`` is the exact text that was hashed, so every hash can be recomputed from the file
alone — then ``{"summary": {...}}``. CSV: one row per entry with ``eventJson`` in the last
column, then a row whose ``seq`` is ``summary`` and whose last column is the summary as JSON.
"""

from __future__ import annotations

import contextlib
import csv
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any, TextIO

import orjson

from services.kit.ports import Document
from services.ledger.core import HASH_FORMAT, Ledger
from services.ledger.entry import event_of, utc_text
from services.ledger.query import Criteria
from services.ledger.verify import PROGRESS_EVERY, Progress

CSV_COLUMNS = (
    "seq",
    "recorded_at",
    "event_id",
    "type",
    "source",
    "subject",
    "time",
    "opd",
    "prev_hash",
    "hash",
    "event_json",
)


async def resolve_bound(ledger: Ledger, value: str | None, *, upper: bool) -> int:
    """A ``--since``/``--until`` value as a position: a sequence number as is; an ISO time as
    the entries the ledger recorded from ``since`` / before ``until``."""
    reader = ledger.reader
    if value is None:
        return await reader.head() if upper else 1
    if value.isdigit():
        return int(value)
    moment = datetime.fromisoformat(value)
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    before = await reader.seq_before(utc_text(moment))
    return before if upper else before + 1


async def _entries(
    ledger: Ledger, first: int, last: int, criteria: Criteria
) -> AsyncGenerator[Document, None]:
    scan = ledger.entries.scan(first, last, criteria.store_filter(), read_ahead=True)
    async with contextlib.aclosing(scan) as docs:  # a failed write stops the reads at once
        async for doc in docs:
            if criteria.matches(doc):
                yield doc


async def export(
    ledger: Ledger,
    out: TextIO,
    *,
    first: int,
    last: int,
    fmt: str = "jsonl",
    criteria: Criteria | None = None,
    on_progress: Progress | None = None,
    on_verify: Progress | None = None,
) -> dict[str, Any]:
    """Write entries ``first``…``last`` (matching ``criteria``) and the summary; return it.
    ``on_progress(positions done, positions)`` follows the scan, ``on_verify`` the
    verification that ends it."""
    criteria = criteria or Criteria()
    writer = csv.writer(out) if fmt == "csv" else None
    if writer is not None:
        writer.writerow(CSV_COLUMNS)
    entries = _entries(ledger, first, last, criteria)
    total = max(0, last - first + 1)
    tick = (lambda seq: on_progress(seq - first + 1, total)) if on_progress else None
    async with contextlib.aclosing(entries):
        count = await _write(entries, out, writer, tick)
    if on_progress is not None:
        on_progress(total, total)
    verification = await ledger.verify(first, last, on_progress=on_verify)
    summary = {
        "ledger": ledger.name,
        "from": first,
        "to": last,
        "exported": count,
        "filter": _criteria(criteria),
        "hashFormat": HASH_FORMAT,
        "exportedAt": utc_text(datetime.now(UTC)),
        "verification": verification.as_dict(),
    }
    if writer is None:
        out.write(orjson.dumps({"summary": summary}).decode() + "\n")
    else:
        writer.writerow(
            ["summary", *([""] * (len(CSV_COLUMNS) - 2)), orjson.dumps(summary).decode()]
        )
    return summary


def _criteria(criteria: Criteria) -> dict[str, Any]:
    fields = ("opd", "service", "event_type", "entity_type", "entity_id", "position")
    return {f: getattr(criteria, f) for f in fields if getattr(criteria, f) is not None}


async def _write(
    entries: AsyncIterator[Document], out: TextIO, writer: Any, tick: Callable[[int], None] | None
) -> int:
    count = 0
    async for doc in entries:
        count += 1
        if tick is not None and count % PROGRESS_EVERY == 0:
            tick(int(doc["seq"]))
        if writer is None:
            line = {k: doc[k] for k in ("seq", "recordedAt", "prevHash", "hash", "eventJson")}
            out.write(orjson.dumps(line).decode() + "\n")
            continue
        ev = event_of(doc)
        writer.writerow(
            [
                doc["seq"],
                doc["recordedAt"],
                ev.get("id"),
                ev.get("type"),
                ev.get("source"),
                ev.get("subject"),
                ev.get("time"),
                ev.get("opd"),
                doc["prevHash"],
                doc["hash"],
                doc["eventJson"],
            ]
        )
    return count
