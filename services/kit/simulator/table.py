"""One upstream resource held in memory, in the upstream's own shape.

Records are kept in update order (a dict re-inserted on every change), and every change
gets a strictly increasing timestamp, so "changed since T" is a walk from the newest end
and paging is stable. A few past snapshots per record are kept so tests can replay an old
version (out-of-order delivery) through the push webhook.
"""

from __future__ import annotations

import copy
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from services.kit.converters import WIB

Record = dict[str, Any]


@dataclass
class Clock:
    """Strictly increasing local (WIB) time; ``now`` is injectable for tests."""

    now: Callable[[], datetime] = lambda: datetime.now(WIB)
    _last: datetime | None = None

    def tick(self) -> datetime:
        ts = self.now().replace(tzinfo=WIB)
        ts = ts.replace(microsecond=ts.microsecond // 1000 * 1000)  # upstreams print ms
        if self._last is not None and ts <= self._last:  # compared after truncating: two
            ts = self._last + timedelta(milliseconds=1)  # saves in one ms get distinct stamps
        self._last = ts
        return ts


@dataclass
class Table:
    name: str  # the resource path, e.g. "permohonan"
    id_field: str
    updated_field: str  # e.g. "diubah_pada"
    format_ts: Callable[[datetime], str]
    parse_ts: Callable[[str], datetime]
    clock: Clock
    history_depth: int = 5
    records: dict[str, Record] = field(default_factory=dict)  # insertion = update order
    _stamps: dict[str, datetime] = field(default_factory=dict)
    _history: dict[str, deque[Record]] = field(default_factory=dict)
    revision: int = 0  # bumps on every change: the ETag base
    ids: list[str] = field(default_factory=list)  # every id, in insertion order: O(1) sampling

    def put(self, record: Record, *, stamp: bool = True) -> Record:
        """Insert or replace a record, stamping its updated-at (unless ``stamp`` is false)."""
        rid = str(record.get(self.id_field))
        rec = copy.deepcopy(record)
        ts = self.clock.tick()
        if stamp:
            rec[self.updated_field] = self.format_ts(ts)
        if rid not in self.records:
            self.ids.append(rid)
        else:
            self._history.setdefault(rid, deque(maxlen=self.history_depth)).append(
                self.records.pop(rid)
            )
        self.records[rid] = rec
        self._stamps[rid] = ts
        self.revision += 1
        return rec

    def get(self, rid: str) -> Record | None:
        return self.records.get(rid)

    def previous(self, rid: str, back: int = 1) -> Record | None:
        hist = self._history.get(rid)
        return hist[-back] if hist and len(hist) >= back else None

    def changed_since(self, since: datetime | None) -> list[Record]:
        """Records changed at or after ``since`` (inclusive), oldest change first."""
        if since is None:
            return list(self.records.values())
        out: list[Record] = []
        for rid in reversed(self.records):
            if self._stamps[rid] < since:
                break
            out.append(self.records[rid])
        out.reverse()
        return out


def upstream_table(name: str, id_field: str, clock: Clock) -> Table:
    """A table with the regency's conventions: ``diubah_pada`` as ``dd-mm-yyyy HH:MM:SS.fff``."""
    from services.kit.converters import ddmmyyyy_time
    from services.kit.simulator.formats import ddmmyyyy_time as fmt

    return Table(name, id_field, "diubah_pada", fmt, ddmmyyyy_time, clock)


def upstream_tables(**id_fields: str) -> Callable[[Clock], list[Table]]:
    """``Workflow.tables`` from resource=id field pairs: ``upstream_tables(sp2d="nomor_sp2d")``."""
    return lambda clock: [upstream_table(name, field, clock) for name, field in id_fields.items()]
