"""The embedded event log: a durable append-only log in one SQLite file.

Several processes on one machine may publish to and consume from the same file with Kafka's
semantics: topics with partitions (chosen by a hash of the key), offsets increasing by one
per partition, consumer groups with committed offsets, replay from an offset or a time.
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
import zlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from services.kit import ports
from services.kit.eventlog.local.subscription import LocalSubscription
from services.kit.ports import EARLIEST, LogPosition, LogUnavailable, StartAt
from services.kit.sqlite_conn import SqliteConn, immediate

_SCHEMA = """
CREATE TABLE IF NOT EXISTS topics (name TEXT PRIMARY KEY, partitions INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS records (
  topic TEXT NOT NULL, part INTEGER NOT NULL, off INTEGER NOT NULL,
  key TEXT, value BLOB NOT NULL, ts_ms INTEGER NOT NULL, headers BLOB,
  PRIMARY KEY (topic, part, off)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_time ON records(topic, part, ts_ms);
CREATE TABLE IF NOT EXISTS group_offsets (
  grp TEXT NOT NULL, topic TEXT NOT NULL, part INTEGER NOT NULL, off INTEGER NOT NULL,
  PRIMARY KEY (grp, topic, part)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS group_members (
  grp TEXT NOT NULL, member TEXT NOT NULL, seen_ms INTEGER NOT NULL,
  PRIMARY KEY (grp, member)
) WITHOUT ROWID;
"""


def partition_for(key: str, partitions: int) -> int:
    """Stable across processes and runs (unlike ``hash``)."""
    return zlib.crc32(key.encode()) % partitions


def _topic_partitions(c: sqlite3.Connection, topic: str, default: int) -> int:
    row = c.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
    if row is not None:
        return int(row[0])
    c.execute("INSERT OR IGNORE INTO topics(name, partitions) VALUES (?, ?)", (topic, default))
    row = c.execute("SELECT partitions FROM topics WHERE name = ?", (topic,)).fetchone()
    return int(row[0])


class LocalEventLog:
    """``EventLog`` on one SQLite file (``path``); topics are created on first use."""

    def __init__(
        self,
        path: Path,
        *,
        default_partitions: int = 3,
        busy_timeout_s: float = 5.0,
        synchronous: str = "NORMAL",
        session_timeout_s: float = 10.0,
    ) -> None:
        self._db = SqliteConn(path, busy_timeout_s=busy_timeout_s, synchronous=synchronous)
        self._default_partitions = default_partitions
        self.session_timeout_s = session_timeout_s
        self._partitions: dict[str, int] = {}
        self._published = asyncio.Event()

    async def start(self) -> None:
        try:
            await self._db.open(_SCHEMA)
        except sqlite3.Error as exc:
            raise LogUnavailable(f"cannot open {self._db.path}: {exc}") from exc

    async def stop(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self.run(lambda c: c.execute("SELECT 1").fetchone())

    async def run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        """Run ``fn`` on the log's connection, mapping engine errors to ``LogUnavailable``."""
        try:
            return await self._db.run(fn)
        except sqlite3.Error as exc:
            raise LogUnavailable(f"local log {self._db.path}: {exc}") from exc

    async def ensure_topic(
        self, topic: str, partitions: int = 1, *, configs: Mapping[str, str] | None = None
    ) -> None:
        # ``configs`` (Kafka retention and the like): the local log keeps every record.
        def create(c: sqlite3.Connection) -> int:
            with immediate(c):
                return _topic_partitions(c, topic, partitions)

        self._partitions[topic] = await self.run(create)

    async def partitions(self, topic: str) -> int:
        """The topic's partition count (creating it with the default count if new)."""
        if topic not in self._partitions:
            await self.ensure_topic(topic, self._default_partitions)
        return self._partitions[topic]

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> LogPosition:
        return (await self._append(topic, [(key, value, headers)]))[0]

    async def publish_many(
        self, topic: str, items: Sequence[ports.PublishItem]
    ) -> list[LogPosition]:
        return await self._append(topic, [(i[0], i[1], ports.item_headers(i)) for i in items])

    async def _append(
        self, topic: str, items: Sequence[tuple[str, bytes, Sequence[tuple[str, bytes]]]]
    ) -> list[LogPosition]:
        if not items:
            return []
        count = await self.partitions(topic)
        parts = [partition_for(key, count) for key, _, _ in items]

        def append(c: sqlite3.Connection) -> list[LogPosition]:
            now_ms = int(time.time() * 1000)
            with immediate(c):
                heads: dict[int, int] = {}
                for p in set(parts):
                    row = c.execute(
                        "SELECT max(off) FROM records WHERE topic = ? AND part = ?", (topic, p)
                    ).fetchone()
                    heads[p] = -1 if row[0] is None else int(row[0])
                rows, positions = [], []
                for (key, value, headers), p in zip(items, parts, strict=True):
                    heads[p] += 1
                    hdr = orjson.dumps([[k, v.decode("latin-1")] for k, v in headers]) or None
                    rows.append((topic, p, heads[p], key, value, now_ms, hdr if headers else None))
                    positions.append(LogPosition(topic, p, heads[p]))
                c.executemany(
                    "INSERT INTO records(topic, part, off, key, value, ts_ms, headers)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            return positions

        positions: list[LogPosition] = await self.run(append)
        # Wake this process's subscribers now; other processes notice on their next poll.
        self._published.set()
        self._published = asyncio.Event()
        return positions

    async def wait_for_publish(self, timeout_s: float) -> None:
        """Return when this log instance publishes, or after ``timeout_s``."""
        try:
            await asyncio.wait_for(self._published.wait(), timeout_s)
        except TimeoutError:
            pass

    def subscribe(
        self,
        topics: Sequence[str],
        *,
        group: str | None = None,
        start: StartAt = EARLIEST,
    ) -> LocalSubscription:
        return LocalSubscription(self, list(topics), group=group, start=start)
