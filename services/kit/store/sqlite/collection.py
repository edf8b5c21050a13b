"""``SqliteCollection``: one collection of the embedded store, a table in its SQLite file.

State is a JSON text column (queried with ``json_extract``); the outbox is a table written
in the same transaction as the state. Several processes may share the file (WAL mode).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

import orjson

from services.kit.ports import (
    ANY_VERSION,
    Document,
    Filter,
    Inserted,
    OutboxEntry,
    Page,
    PendingOutbox,
    SortSpec,
    VersionConflict,
    Write,
    WriteResult,
)
from services.kit.sqlite_conn import immediate
from services.kit.store import rules
from services.kit.store.sqlite.errors import duplicate_key
from services.kit.store.sqlite.query import column, keyset_sql, where_sql


def _dumps(state: Mapping[str, Any]) -> str:
    # PASSTHROUGH makes datetimes an error, as in rules: stored values are plain JSON.
    return orjson.dumps(state, option=orjson.OPT_PASSTHROUGH_DATETIME).decode()


def _row_to_doc(row: tuple[str, int, str]) -> Document:
    doc: Document = {"_id": row[0], "_v": row[1]}
    doc.update(orjson.loads(row[2]))
    return doc


class SqliteFile(Protocol):
    """What a collection needs of its store (``SqliteDocumentStore``)."""

    async def run(self, coll: str | None, fn: Callable[[sqlite3.Connection], Any]) -> Any: ...

    def notify(self, written: Sequence[PendingOutbox] | None) -> None: ...


class SqliteCollection:
    def __init__(self, store: SqliteFile, name: str) -> None:
        self.name = name
        self._store = store
        self._table = f'"c_{rules.check_field(name)}"'

    async def _run(self, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        return await self._store.run(self.name, fn)

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

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
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
                        results.append(duplicate_key(self.name, exc))
            return results

        try:
            results: list[WriteResult] = await self._run(write)
        except BaseException:
            # Cancelled while the worker thread runs the transaction (or failed around it):
            # it may have committed, and nothing would tell the relay of entries it must
            # publish before the next write's.
            if any(w.outbox for w in writes):
                self._store.notify(None)
            raise
        fed = [
            PendingOutbox(self.name, doc_id, tuple(w.outbox))
            for (doc_id, _, w), r in zip(prepared, results, strict=True)
            if w.outbox and isinstance(r, int)
        ]
        if fed:
            self._store.notify(fed)
        return results

    async def insert_new(self, docs: Sequence[Mapping[str, Any]], *, ordered: bool) -> Inserted:
        """One transaction; an existing ``_id`` inserts nothing (``ON CONFLICT(id) DO NOTHING``),
        a clash on another unique index raises ``DuplicateKey``."""
        bodies = [rules.split_document(d) for d in docs]
        if not bodies:
            return Inserted(0)
        sql = f"INSERT INTO {self._table}(id, v, body) VALUES (?, 1, ?) ON CONFLICT(id) DO NOTHING"

        def insert(c: sqlite3.Connection) -> Inserted:
            count, existing = 0, []
            with immediate(c):
                for i, (doc_id, state) in enumerate(bodies):
                    if c.execute(sql, (doc_id, _dumps(state))).rowcount:
                        count += 1
                        continue
                    existing.append(i)
                    if ordered:
                        break
            return Inserted(count, tuple(existing))

        result: Inserted = await self._run(insert)
        return result

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
