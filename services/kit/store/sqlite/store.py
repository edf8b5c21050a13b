"""``SqliteDocumentStore``: the embedded store's file, its collections and its outbox table."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from services.kit.ports import (
    OutboxAck,
    OutboxEntry,
    OutboxFeed,
    PendingOutbox,
    StoreUnavailable,
)
from services.kit.sqlite_conn import SqliteConn, immediate
from services.kit.store.sqlite.collection import SqliteCollection
from services.kit.store.sqlite.errors import duplicate_key

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  coll TEXT NOT NULL, doc_id TEXT NOT NULL, entry_id TEXT NOT NULL,
  topic TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_doc ON outbox(coll, doc_id, seq);
"""


class SqliteDocumentStore:
    """``DocumentStore`` on one SQLite file (``path``); usable by several processes."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0, synchronous: str = "NORMAL"):
        self._db = SqliteConn(path, busy_timeout_s=busy_timeout_s, synchronous=synchronous)
        self._collections: dict[str, SqliteCollection] = {}
        self._known_tables: set[str] = set()
        self._feeds: list[OutboxFeed] = []

    async def start(self) -> None:
        try:
            await self._db.open(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self._db.path}: {exc}") from exc

    async def stop(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self.run(None, lambda c: c.execute("SELECT 1").fetchone())

    def collection(self, name: str) -> SqliteCollection:
        if name not in self._collections:
            self._collections[name] = SqliteCollection(self, name)
        return self._collections[name]

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        self._feeds.append(callback)

    def notify(self, written: Sequence[PendingOutbox] | None) -> None:
        """Hand the relays what was written (``None``: a write of unknown outcome — read the
        store)."""
        for feed in self._feeds:
            feed(written)

    async def run(self, coll: str | None, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        def guarded(c: sqlite3.Connection) -> Any:
            if coll is not None and coll not in self._known_tables:
                c.execute(
                    f'CREATE TABLE IF NOT EXISTS "c_{coll}" '
                    "(id TEXT PRIMARY KEY, v INTEGER NOT NULL, body TEXT NOT NULL)"
                )
                self._known_tables.add(coll)
            return fn(c)

        try:
            return await self._db.run(guarded)
        except sqlite3.IntegrityError as exc:
            raise duplicate_key(coll or "?", exc) from exc
        except sqlite3.OperationalError as exc:
            # "database is locked" after the busy timeout, I/O errors, closed store.
            raise StoreUnavailable(f"sqlite store {self._db.path}: {exc}") from exc

    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        cutoff = int((time.time() - min_age_s) * 1000) if min_age_s > 0 else 2**62

        def read(c: sqlite3.Connection) -> list[PendingOutbox]:
            # The documents whose first pending entry is old enough (SQLite takes the bare
            # ``created_ms`` from the row that has ``min(seq)``), oldest first.
            docs = c.execute(
                "SELECT coll, doc_id, created_ms, min(seq) AS first FROM outbox"
                " GROUP BY coll, doc_id HAVING created_ms <= ? ORDER BY first LIMIT ?",
                (cutoff, limit),
            ).fetchall()
            out = []
            for coll, doc_id, _, _ in docs:
                rows = c.execute(
                    "SELECT entry_id, topic, key, value, created_ms FROM outbox"
                    " WHERE coll = ? AND doc_id = ? ORDER BY seq",
                    (coll, doc_id),
                ).fetchall()
                entries = []
                for r in rows:
                    if r[4] > cutoff:
                        # too young, and so is what was written after it (a stamp is not an
                        # order: a wall clock stepped back must not let a later entry pass)
                        break
                    entries.append(OutboxEntry(r[0], r[1], r[2], bytes(r[3])))
                if entries:
                    out.append(PendingOutbox(coll, doc_id, tuple(entries)))
            return out

        result: list[PendingOutbox] = await self.run(None, read)
        return result

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        await self._delete_entries([(a.collection, a.doc_id, e) for a in acks for e in a.entry_ids])

    async def _delete_entries(self, rows: list[tuple[str, str, str]]) -> None:

        def delete(c: sqlite3.Connection) -> None:
            with immediate(c):
                c.executemany(
                    "DELETE FROM outbox WHERE coll = ? AND doc_id = ? AND entry_id = ?", rows
                )

        if rows:
            await self.run(None, delete)
