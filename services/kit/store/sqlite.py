"""The embedded document store: one SQLite file, one table per collection.

State is a JSON text column (queried with ``json_extract``); the outbox is a table written
in the same transaction as the state. Several processes may share the file (WAL mode).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import orjson

from services.kit.ports import (
    ANY_VERSION,
    Document,
    DuplicateKey,
    Filter,
    OutboxAck,
    OutboxEntry,
    OutboxFeed,
    Page,
    PendingOutbox,
    SortSpec,
    StoreUnavailable,
    VersionConflict,
    Write,
    WriteResult,
)
from services.kit.store import rules
from services.kit.store.sqlite_conn import SqliteConn, immediate
from services.kit.store.sqlite_query import column, keyset_sql, where_sql

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  coll TEXT NOT NULL, doc_id TEXT NOT NULL, entry_id TEXT NOT NULL,
  topic TEXT NOT NULL, key TEXT NOT NULL, value BLOB NOT NULL, created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS outbox_doc ON outbox(coll, doc_id, seq);
"""


def _dumps(state: Mapping[str, Any]) -> str:
    # PASSTHROUGH makes datetimes an error, as in rules: stored values are plain JSON.
    return orjson.dumps(state, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _row_to_doc(row: tuple[str, int, str]) -> Document:
    doc: Document = {"_id": row[0], "_v": row[1]}
    doc.update(orjson.loads(row[2]))
    return doc


class SqliteCollection:
    def __init__(self, store: SqliteDocumentStore, name: str) -> None:
        self.name = name
        self._store = store
        self._table = f'"c_{rules.check_field(name)}"'

    async def _run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await self._store._run(self.name, fn)

    async def ensure_index(self, fields: Sequence[str], *, unique: bool = False) -> None:
        name = f'"{self.name}__{rules.index_name(fields, unique)}"'
        if unique:
            # Missing and null collide in a unique index, as in MongoDB (SQLite NULLs don't).
            exprs = [f"coalesce(json_extract(body, '$.{f}'), X'00')" for f in fields]
        else:
            exprs = [f"json_extract(body, '$.{f}')" for f in fields]
        sql = f"CREATE {'UNIQUE ' if unique else ''}INDEX IF NOT EXISTS {name} "
        await self._run(lambda c: c.execute(sql + f"ON {self._table}({', '.join(exprs)})"))

    async def get(self, doc_id: str) -> Document | None:
        sql = f"SELECT id, v, body FROM {self._table} WHERE id = ?"
        row = await self._run(lambda c: c.execute(sql, (doc_id,)).fetchone())
        return None if row is None else _row_to_doc(row)

    async def get_many(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(doc_ids))

        def read(c: sqlite3.Connection) -> list[tuple[str, int, str]]:
            rows: list[tuple[str, int, str]] = []
            for i in range(0, len(ids), 500):
                chunk = ids[i : i + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT id, v, body FROM {self._table} WHERE id IN ({marks})"
                rows.extend(c.execute(sql, chunk).fetchall())
            return rows

        return {row[0]: _row_to_doc(row) for row in await self._run(read)}

    async def put(
        self,
        doc: Mapping[str, Any],
        *,
        expected_version: int,
        outbox: Sequence[OutboxEntry] = (),
    ) -> int:
        return await rules.put_one(self.put_many, doc, expected_version, outbox)

    async def put_many(self, writes: Sequence[Write]) -> list[WriteResult]:
        """Every write in ONE transaction; a refused write (conflict, duplicate) fails alone."""
        prepared = [(*rules.split_document(w.doc), w) for w in writes]
        now_ms = int(time.time() * 1000)

        def write(c: sqlite3.Connection) -> list[WriteResult]:
            results: list[WriteResult] = []
            with immediate(c):
                for doc_id, state, w in prepared:
                    try:
                        results.append(self._write_one(c, doc_id, state, w, now_ms))
                    except VersionConflict as exc:
                        results.append(exc)
                    except sqlite3.IntegrityError as exc:  # this statement only is undone
                        results.append(_duplicate(self.name, exc))
            return results

        results: list[WriteResult] = await self._run(write)
        fed = [
            PendingOutbox(self.name, doc_id, tuple(w.outbox))
            for (doc_id, _, w), r in zip(prepared, results, strict=True)
            if w.outbox and isinstance(r, int)
        ]
        if fed:
            self._store._notify(fed)
        return results

    def _write_one(
        self, c: sqlite3.Connection, doc_id: str, state: dict[str, Any], w: Write, now_ms: int
    ) -> int:
        expected = w.expected_version
        row = c.execute(f"SELECT v, body FROM {self._table} WHERE id = ?", (doc_id,)).fetchone()
        stored = None if row is None else int(row[0])
        if expected != ANY_VERSION and (stored or 0) != expected:
            raise VersionConflict(self.name, doc_id, expected, stored)
        if row is None:
            c.execute(
                f"INSERT INTO {self._table}(id, v, body) VALUES (?, 1, ?)",
                (doc_id, _dumps(state)),
            )
        else:
            merged = orjson.loads(row[1]) | state
            c.execute(
                f"UPDATE {self._table} SET v = v + 1, body = ? WHERE id = ?",
                (_dumps(merged), doc_id),
            )
        if w.outbox:
            c.executemany(
                "INSERT INTO outbox(coll, doc_id, entry_id, topic, key, value, created_ms)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(self.name, doc_id, e.id, e.topic, e.key, e.value, now_ms) for e in w.outbox],
            )
        return (stored or 0) + 1

    async def find(
        self,
        flt: Filter | None = None,
        *,
        sort: SortSpec = (),
        limit: int = 100,
        after: str | None = None,
    ) -> Page:
        keys = rules.check_sort(sort)
        where, params = where_sql(rules.check_filter(flt))
        if after is not None:
            ks, ks_params = keyset_sql(keys, rules.decode_cursor(after, keys))
            where, params = f"({where}) AND ({ks})", params + ks_params
        order = ", ".join(f"{column(f)} {'ASC' if d == 1 else 'DESC'}" for f, d in keys)
        sql = f"SELECT id, v, body FROM {self._table} WHERE {where} ORDER BY {order} LIMIT ?"
        rows = await self._run(lambda c: c.execute(sql, [*params, limit + 1]).fetchall())
        items = [_row_to_doc(r) for r in rows[:limit]]
        more = len(rows) > limit and limit > 0
        return Page(items, rules.encode_cursor(items[-1], keys) if more else None)

    async def count(self, flt: Filter | None = None) -> int:
        where, params = where_sql(rules.check_filter(flt))
        sql = f"SELECT count(*) FROM {self._table} WHERE {where}"
        return int((await self._run(lambda c: c.execute(sql, params).fetchone()))[0])

    async def delete(self, doc_id: str) -> bool:
        def remove(c: sqlite3.Connection) -> bool:
            with immediate(c):
                # The pending outbox goes with the document, as it would inside a Mongo doc.
                c.execute("DELETE FROM outbox WHERE coll = ? AND doc_id = ?", (self.name, doc_id))
                return c.execute(f"DELETE FROM {self._table} WHERE id = ?", (doc_id,)).rowcount > 0

        return bool(await self._run(remove))


class SqliteDocumentStore:
    """``DocumentStore`` on one SQLite file (``path``); usable by several processes."""

    def __init__(self, path: Path, *, busy_timeout_s: float = 5.0, synchronous: str = "NORMAL"):
        self._db = SqliteConn(path, busy_timeout_s=busy_timeout_s, synchronous=synchronous)
        self._collections: dict[str, SqliteCollection] = {}
        self._known_tables: set[str] = set()
        self._listeners: list[Callable[[], None]] = []
        self._feeds: list[OutboxFeed] = []

    async def start(self) -> None:
        try:
            await self._db.open(_SCHEMA)
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"cannot open {self._db.path}: {exc}") from exc

    async def stop(self) -> None:
        await self._db.close()

    async def ping(self) -> None:
        await self._run(None, lambda c: c.execute("SELECT 1").fetchone())

    def collection(self, name: str) -> SqliteCollection:
        if name not in self._collections:
            self._collections[name] = SqliteCollection(self, name)
        return self._collections[name]

    def add_outbox_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        self._feeds.append(callback)

    def _notify(self, written: Sequence[PendingOutbox]) -> None:
        for feed in self._feeds:
            feed(written)
        for callback in self._listeners:
            callback()

    async def _run(self, coll: str | None, fn: Callable[[sqlite3.Connection], Any]) -> Any:
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
            raise _duplicate(coll or "?", exc) from exc
        except sqlite3.OperationalError as exc:
            # "database is locked" after the busy timeout, I/O errors, closed store.
            raise StoreUnavailable(f"sqlite store {self._db.path}: {exc}") from exc

    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        cutoff = int((time.time() - min_age_s) * 1000) if min_age_s > 0 else 2**62

        def read(c: sqlite3.Connection) -> list[PendingOutbox]:
            docs = c.execute(
                "SELECT coll, doc_id FROM outbox WHERE created_ms <= ?"
                " GROUP BY coll, doc_id ORDER BY min(seq) LIMIT ?",
                (cutoff, limit),
            ).fetchall()
            out = []
            for coll, doc_id in docs:
                rows = c.execute(
                    "SELECT entry_id, topic, key, value FROM outbox"
                    " WHERE coll = ? AND doc_id = ? AND created_ms <= ? ORDER BY seq",
                    (coll, doc_id, cutoff),
                ).fetchall()
                entries = tuple(OutboxEntry(r[0], r[1], r[2], bytes(r[3])) for r in rows)
                out.append(PendingOutbox(coll, doc_id, entries))
            return out

        result: list[PendingOutbox] = await self._run(None, read)
        return result

    async def outbox_ack(self, collection: str, doc_id: str, entry_ids: Sequence[str]) -> None:
        await self._delete_entries([(collection, doc_id, e) for e in entry_ids])

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        await self._delete_entries([(a.collection, a.doc_id, e) for a in acks for e in a.entry_ids])

    async def _delete_entries(self, rows: list[tuple[str, str, str]]) -> None:

        def delete(c: sqlite3.Connection) -> None:
            with immediate(c):
                c.executemany(
                    "DELETE FROM outbox WHERE coll = ? AND doc_id = ? AND entry_id = ?", rows
                )

        if rows:
            await self._run(None, delete)


def _duplicate(coll: str, exc: sqlite3.IntegrityError) -> DuplicateKey:
    # SQLite says: "UNIQUE constraint failed: index '<coll>__ux_a_b'".
    text = str(exc)
    index = text.split("index '", 1)[-1].rstrip("'") if "index '" in text else text
    return DuplicateKey(coll, index.split("__", 1)[-1], text)
