"""A consumer of the local log: a consumer-group member or a plain reader.

Group members share partitions through a heartbeat table: every live member (seen within
the session timeout) gets an equal round-robin share of the sorted partitions, recomputed on
each heartbeat, so members in other processes join and leave as in Kafka (at-least-once:
after a rebalance a partition resumes from its group's last committed offset).
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable, Sequence
from typing import Any, Protocol

import orjson

from services.kit.ports import LogRecord, StartAt
from services.kit.sqlite_conn import immediate

TP = tuple[str, int]


def start_offset(c: sqlite3.Connection, tp: TP, start: StartAt) -> int:
    """The offset ``start`` designates in one partition (the end if nothing matches)."""
    lo, hi = c.execute(
        "SELECT min(off), max(off) FROM records WHERE topic = ? AND part = ?", tp
    ).fetchone()
    first, end = (0 if lo is None else int(lo)), (0 if hi is None else int(hi) + 1)
    if start.kind == "earliest":
        return first
    if start.kind == "latest":
        return end
    if start.kind == "offset":
        return max(first, min(start.offset, end))
    row = c.execute(
        "SELECT min(off) FROM records WHERE topic = ? AND part = ? AND ts_ms >= ?",
        (*tp, start.timestamp_ms),
    ).fetchone()
    return end if row[0] is None else int(row[0])


class LocalLogFile(Protocol):
    """What a subscription needs of its log (``LocalEventLog``)."""

    session_timeout_s: float

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any: ...

    async def partitions(self, topic: str) -> int: ...

    async def wait_for_publish(self, timeout_s: float) -> None: ...


class LocalSubscription:
    def __init__(
        self, log: LocalLogFile, topics: list[str], *, group: str | None, start: StartAt
    ) -> None:
        self._log = log
        self._topics = topics
        self._group = group
        self._start = start
        self._member = uuid.uuid4().hex
        self._positions: dict[TP, int] = {}
        self._returned: dict[TP, int] = {}
        self._heartbeat_at = 0.0
        self._turn = 0

    @property
    def assignment(self) -> list[TP]:
        """The partitions this subscription reads now."""
        return sorted(self._positions)

    async def __aenter__(self) -> LocalSubscription:
        counts = {t: await self._log.partitions(t) for t in self._topics}
        self._all = [(t, p) for t in sorted(counts) for p in range(counts[t])]
        await self._rebalance()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._group is not None:
            sql = "DELETE FROM group_members WHERE grp = ? AND member = ?"
            await self._log.run(lambda c: c.execute(sql, (self._group, self._member)))

    async def _rebalance(self) -> None:
        group, member, start = self._group, self._member, self._start
        ttl_ms = int(self._log.session_timeout_s * 1000)

        def assign(c: sqlite3.Connection) -> dict[TP, int]:
            if group is None:
                return {tp: start_offset(c, tp, start) for tp in self._all}
            now = int(time.time() * 1000)
            with immediate(c):
                c.execute(
                    "INSERT OR REPLACE INTO group_members(grp, member, seen_ms) VALUES (?, ?, ?)",
                    (group, member, now),
                )
                c.execute(
                    "DELETE FROM group_members WHERE grp = ? AND seen_ms < ?", (group, now - ttl_ms)
                )
                members = [
                    r[0]
                    for r in c.execute(
                        "SELECT member FROM group_members WHERE grp = ? ORDER BY member", (group,)
                    )
                ]
            me = members.index(member)
            mine = [tp for i, tp in enumerate(self._all) if i % len(members) == me]
            positions = {}
            for tp in mine:
                if tp in self._positions:
                    positions[tp] = self._positions[tp]
                    continue
                row = c.execute(
                    "SELECT off FROM group_offsets WHERE grp = ? AND topic = ? AND part = ?",
                    (group, *tp),
                ).fetchone()
                positions[tp] = start_offset(c, tp, start) if row is None else int(row[0])
            return positions

        self._positions = await self._log.run(assign)
        self._heartbeat_at = time.monotonic()

    async def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[LogRecord]:
        deadline = time.monotonic() + timeout_s
        delay = 0.005
        while True:
            if self._group is not None and (
                time.monotonic() - self._heartbeat_at > self._log.session_timeout_s / 3
            ):
                await self._rebalance()
            records = await self._fetch(max_records)
            if records:
                for r in records:
                    self._positions[(r.topic, r.partition)] = r.offset + 1
                    self._returned[(r.topic, r.partition)] = r.offset + 1
                return records
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            # No busy loop: sleep, woken early by a publish in this process. A publish by
            # another process cannot wake us, so the back-off stays short (25 ms: a cheap
            # indexed read; bench.change_latency showed the 100 ms cap as most of the
            # embedded change-to-subscriber p99).
            await self._log.wait_for_publish(min(delay, remaining))
            delay = min(delay * 2, 0.025)

    async def _fetch(self, max_records: int) -> list[LogRecord]:
        tps = self.assignment
        if not tps:
            return []
        # Start from a different partition each time so none starves.
        self._turn = (self._turn + 1) % len(tps)
        order = tps[self._turn :] + tps[: self._turn]
        positions = dict(self._positions)

        def read(c: sqlite3.Connection) -> list[LogRecord]:
            out: list[LogRecord] = []
            for topic, part in order:
                if len(out) >= max_records:
                    break
                rows = c.execute(
                    "SELECT off, key, value, ts_ms, headers FROM records"
                    " WHERE topic = ? AND part = ? AND off >= ? ORDER BY off LIMIT ?",
                    (topic, part, positions[(topic, part)], max_records - len(out)),
                ).fetchall()
                for off, key, value, ts_ms, hdr in rows:
                    headers = tuple(
                        (k, v.encode("latin-1")) for k, v in (orjson.loads(hdr) if hdr else ())
                    )
                    out.append(LogRecord(topic, part, off, key, bytes(value), ts_ms, headers))
            return out

        records: list[LogRecord] = await self._log.run(read)
        return records

    async def commit(self, records: Sequence[LogRecord] | None = None) -> None:
        if self._group is None:
            return
        if records is None:
            offsets = dict(self._returned)
        else:
            offsets = {}
            for r in records:
                tp = (r.topic, r.partition)
                offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
        rows = [(self._group, t, p, off) for (t, p), off in offsets.items()]

        def write(c: sqlite3.Connection) -> None:
            with immediate(c):
                c.executemany(
                    "INSERT OR REPLACE INTO group_offsets(grp, topic, part, off) VALUES (?,?,?,?)",
                    rows,
                )

        if rows:
            await self._log.run(write)

    async def lag(self) -> int:
        positions = dict(self._positions)

        def behind(c: sqlite3.Connection) -> int:
            total = 0
            for tp, at in positions.items():
                (hi,) = c.execute(
                    "SELECT max(off) FROM records WHERE topic = ? AND part = ?", tp
                ).fetchone()
                total += max(0, (0 if hi is None else int(hi) + 1) - at)
            return total

        found: int = await self._log.run(behind)
        return found

    async def seek(self, start: StartAt) -> None:
        tps = self.assignment

        def positions(c: sqlite3.Connection) -> dict[TP, int]:
            return {tp: start_offset(c, tp, start) for tp in tps}

        self._positions = await self._log.run(positions)
        self._returned = {}
