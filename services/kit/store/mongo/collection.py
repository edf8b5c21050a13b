"""``MongoCollection``: one collection of the Mongo store (MongoDB, tested on FerretDB).

No transactions are needed: a put is ONE single-document write (insert, or update with a
version check) that ``$set``s the state and adds the outbox entries, so pending entries are
never overwritten. Every call is bounded by the client's timeouts and raises
``StoreUnavailable`` while the engine is unreachable.

Two write modes, chosen at the first write from ``buildInfo``:

* **atomic** (MongoDB): the version check is the update's filter ``{_id, _v}``.
* **single writer** (FerretDB, which answers ``ferretdbVersion``): FerretDB pushes a filter
  down to SQLite only when it is exactly ``{_id: <string>}`` — anything else scans and
  decodes the whole collection — and it applies an update as read-then-write anyway. So the
  version is checked in-process, under the per-document lock, against a cache of the
  documents this process last read or wrote (writes use it, and so do reads ``for_write``;
  other reads always ask the engine, by ``_id``), and the update filters by ``_id`` alone.
  That requires what FerretDB 1.x requires already: ONE writer process per database.
  New documents of a ``put_many`` go in with one ``insert_many`` (thousands per second on
  FerretDB, against a few hundred single writes).

The outbox of each document is an array of entries stamped with a writer id and sequence
number; see ``outbox`` for the checkpoint that acknowledges them.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any, Protocol

import pymongo
from pymongo import ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure, PyMongoError
from pymongo.results import UpdateResult

from services.kit.ports import (
    ANY_VERSION,
    Document,
    DuplicateKey,
    Filter,
    Inserted,
    Page,
    PendingOutbox,
    PortError,
    SortSpec,
    StoreUnavailable,
    VersionConflict,
    Write,
    WriteResult,
)
from services.kit.store import rules
from services.kit.store.mongo.cache import DocCache
from services.kit.store.mongo.errors import unavailable
from services.kit.store.mongo.fence import TOKEN_FIELD, WriteFence
from services.kit.store.mongo.outbox import OutboxSequence, Unknown, now_ms, stored_entry
from services.kit.store.mongo.query import keyset_filter, mongo_filter

_HIDDEN = {"_outbox": 0, "_outbox_since": 0, TOKEN_FIELD: 0}
_READS_IN_FLIGHT = 8
_UPDATES_IN_FLIGHT = 8
_BUSY_RETRIES = 50


class _Prepared:
    __slots__ = (
        "doc_id",
        "state",
        "write",
        "numbers",
        "entries",
        "result",
        "trimmed",
        "token",
        "sent",
    )

    def __init__(self, doc_id: str, state: Document, write: Write, token: str) -> None:
        self.doc_id, self.state, self.write, self.token = doc_id, state, write, token
        self.numbers: list[int] = []
        self.entries: list[Document] = []
        self.result: WriteResult | StoreUnavailable | None = None
        self.trimmed = False
        self.sent = False  # handed to the engine: from then on it may be applied


class MongoDatabase(Protocol):
    """What a collection needs of its store (``MongoDocumentStore``): the database, the write
    mode, the single-writer cache and outbox sequence, the per-document locks, the fence of
    writes whose answer was lost and how long a write may wait."""

    cache: DocCache
    sequence: OutboxSequence
    fence: WriteFence
    write_timeout_s: float

    @property
    def db(self) -> AsyncDatabase[Document]: ...

    @property
    def single_writer_known(self) -> bool: ...

    async def single_writer(self) -> bool: ...

    def doc_lock(self, collection: str, doc_id: str) -> asyncio.Lock: ...

    def notify(self, written: Sequence[PendingOutbox], unknown: bool) -> None: ...


class MongoCollection:
    def __init__(self, store: MongoDatabase, name: str) -> None:
        self.name = name
        self._store = store
        self._outbox_indexed = False

    @property
    def _coll(self) -> AsyncCollection[Document]:
        return self._store.db[self.name]

    async def ensure_index(self, fields: Sequence[str], *, unique: bool = False) -> None:
        name = rules.index_name(fields, unique)
        try:
            await self._coll.create_index([(f, 1) for f in fields], unique=unique, name=name)
        except DuplicateKeyError as exc:
            raise DuplicateKey(self.name, name, str(exc)) from exc
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    # ---------------------------------------------------------------- reads
    async def get(self, doc_id: str) -> Document | None:
        return (await self.get_many([doc_id])).get(doc_id)

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        ids = list(dict.fromkeys(doc_ids))
        known: dict[str, Document] = {}
        try:
            if not await self._store.single_writer():
                docs = await self._coll.find({"_id": {"$in": ids}}, _HIDDEN).to_list(None)
                return {d["_id"]: d for d in docs}
            if for_write:
                # The write's version check uses this same cache (this process is the only
                # writer): asking the engine first would cost a read per document and tell
                # nothing more. Documents not cached are read.
                cache = self._store.cache
                for doc_id in ids:
                    doc = cache.get(self.name, doc_id)
                    if doc is not None:
                        known[doc_id] = doc
                ids = [i for i in ids if i not in known]
            # FerretDB: only {_id: <string>} is pushed down to SQLite; "$in" would decode the
            # whole collection. A few reads in flight by _id cost per id, not per document.
            gate = asyncio.Semaphore(_READS_IN_FLIGHT)

            async def one(doc_id: str) -> Document | None:
                async with gate:
                    return await self._coll.find_one({"_id": doc_id})

            fetched = await asyncio.gather(*(one(i) for i in ids))
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        found = {doc["_id"]: self._remember(doc) for doc in fetched if doc is not None}
        for doc_id in ids:
            if doc_id not in found:  # gone from the engine: forget it here too
                self._store.cache.drop(self.name, doc_id)
        return known | found

    def _remember(self, doc: Document) -> Document:
        """A full document read in single-writer mode: note what its outbox holds, cache the
        state, return the state (without the outbox)."""
        outbox = doc.pop("_outbox", None)
        doc.pop("_outbox_since", None)
        doc.pop(TOKEN_FIELD, None)
        seq = self._store.sequence
        seq.learn(self.name, doc["_id"], int(doc["_v"]), seq.outbox_state(outbox))
        self._store.cache.put(self.name, doc)
        return doc

    async def insert_new(self, docs: Sequence[Mapping[str, Any]], *, ordered: bool) -> Inserted:
        """One ``insert_many`` (thousands of documents per second on FerretDB 1.x against a few
        hundred single writes); not cached: these documents are read back, if ever, by id."""
        bodies = []
        for doc in docs:
            doc_id, state = rules.split_document(doc)  # InvalidDocument: not portable
            bodies.append({"_id": doc_id, "_v": 1, **state})
        if not bodies:
            return Inserted(0)
        try:
            await self._coll.insert_many(bodies, ordered=ordered)
        except BulkWriteError as exc:
            details = exc.details
            errors = details.get("writeErrors", [])
            if any(not _existing_id(e) for e in errors):
                raise
            return Inserted(int(details.get("nInserted", 0)), tuple(e["index"] for e in errors))
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        return Inserted(len(bodies))

    async def find(
        self,
        flt: Filter | None = None,
        *,
        sort: SortSpec = (),
        limit: int = 100,
        after: str | None = None,
    ) -> Page:
        keys = rules.check_sort(sort)
        query = mongo_filter(rules.check_filter(flt))
        if after is not None:
            query = {"$and": [query, keyset_filter(keys, rules.decode_cursor(after, keys))]}
        try:
            cursor = self._coll.find(query, _HIDDEN).sort(keys).limit(limit + 1)
            docs = await cursor.to_list(None)
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        items = docs[:limit]
        more = len(docs) > limit and limit > 0
        return Page(items, rules.encode_cursor(items[-1], keys) if more else None)

    async def count(self, flt: Filter | None = None) -> int:
        try:
            return await self._coll.count_documents(mongo_filter(rules.check_filter(flt)))
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    async def delete(self, doc_id: str) -> bool:
        try:
            async with self._store.doc_lock(self.name, doc_id):
                self._store.cache.drop(self.name, doc_id, deleted=True)
                self._store.sequence.learn(self.name, doc_id, 0, None)
                return (await self._coll.delete_one({"_id": doc_id})).deleted_count > 0
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    # ---------------------------------------------------------------- writes
    async def put(
        self,
        doc: Mapping[str, Any],
        *,
        expected_version: int,
        outbox: Sequence[Any] = (),
    ) -> int:
        return await rules.put_one(self.put_many, doc, expected_version, outbox)

    async def put_many(self, writes: Sequence[Write]) -> list[WriteResult]:
        seq, fence = self._store.sequence, self._store.fence
        items = []
        for w in writes:
            doc_id, state = rules.split_document(w.doc)
            items.append(_Prepared(doc_id, state, w, fence.token()))
        if any(w.outbox for w in writes):
            await self._ensure_outbox_index()
        at = now_ms()
        for item in items:
            item.numbers = seq.assign(len(item.write.outbox))
            item.entries = [
                stored_entry(e, seq.writer, n, at)
                for e, n in zip(item.write.outbox, item.numbers, strict=True)
            ]
            # Known before the write is sent: a relay scan may find (and acknowledge) the
            # entries before this call returns.
            seq.written(item.numbers, [e.id for e in item.write.outbox])
        failure: BaseException | None = None
        try:
            async with AsyncExitStack() as locks:
                for doc_id in sorted({item.doc_id for item in items}):
                    await locks.enter_async_context(self._store.doc_lock(self.name, doc_id))
                single = await self._store.single_writer()
                if single:
                    await self._fence(items)
                # A write waits long for its answer: one given up on may still be applied.
                with pymongo.timeout(self._store.write_timeout_s):
                    if len({item.doc_id for item in items}) == len(items):
                        await self._insert_new([i for i in items if i.write.expected_version == 0])
                        await self._update_all(
                            [i for i in items if i.write.expected_version != 0], single
                        )
                    else:  # one document twice: in order, one at a time
                        for item in items:
                            if item.write.expected_version == 0:
                                await self._insert_new([item])
                            else:
                                await self._update_all([item], single)
        except BaseException as exc:  # noqa: BLE001 - settled below, then re-raised
            failure = exc
        self._settle(items)
        if failure is not None:
            if isinstance(failure, PyMongoError):
                raise unavailable(failure) from failure
            raise failure
        return [item.result for item in items]  # type: ignore[misc]

    def _settle(self, items: Sequence[_Prepared]) -> None:
        """Tell the sequence and the relay what became of each write."""
        seq, fed, unknown = self._store.sequence, [], False
        for item in items:
            if isinstance(item.result, int):
                if item.numbers:
                    fed.append(PendingOutbox(self.name, item.doc_id, tuple(item.write.outbox)))
            elif isinstance(item.result, PortError) or not item.sent:  # certainly not written
                seq.refused(item.numbers, [e.id for e in item.write.outbox])
            else:  # no answer: it may or may not be stored, now or later
                if item.numbers:
                    where = Unknown(self.name, item.doc_id, item.write.expected_version)
                    seq.mark_unknown(item.numbers, where)
                    unknown = True
                if self._store.single_writer_known:
                    self._store.fence.suspect(self.name, item.doc_id, item.token)
            if not isinstance(item.result, int):
                self._store.cache.drop(self.name, item.doc_id)
                seq.learn(self.name, item.doc_id, 0, None)
        self._store.notify(fed, unknown)

    async def _fence(self, items: Sequence[_Prepared]) -> None:
        """Refuse the whole call while a document it writes may still receive a late write
        (see ``services.kit.store.mongo.fence``); a late write that landed shows up as a version
        conflict."""
        fence, held = self._store.fence, []
        for item in items:  # every suspect is looked at: each one's clock starts now
            if not fence.is_suspect(self.name, item.doc_id):
                continue
            raw = await self._coll.find_one({"_id": item.doc_id})
            stored = None if raw is None else raw.get(TOKEN_FIELD)
            if raw is not None:
                self._remember(raw)  # the version check below uses what is stored now
            if not fence.observe(self.name, item.doc_id, stored):
                held.append(item.doc_id)
        if held:
            refusal = StoreUnavailable(
                f"mongodb: {self.name}/{held[0]} (and {len(held) - 1} more): an earlier write "
                "got no answer and may still be applied; waiting before writing it again"
            )
            for each in items:
                each.result = refusal
            raise refusal

    async def _insert_new(self, items: list[_Prepared]) -> None:
        if not items:
            return
        bodies = [self._body(item) for item in items]
        refused: dict[int, Any] = {}
        for item in items:
            item.sent = True
        try:
            if len(bodies) == 1:
                try:
                    await self._coll.insert_one(bodies[0])
                except (DuplicateKeyError, OperationFailure) as exc:
                    if not _is_duplicate(exc):
                        raise
                    refused[0] = exc
            else:
                await self._coll.insert_many(bodies, ordered=False)
        except BulkWriteError as exc:
            for error in exc.details.get("writeErrors", []):
                duplicate = error.get("code") == 11000
                if not duplicate and "UNIQUE constraint" not in error.get("errmsg", ""):
                    raise
                refused[int(error["index"])] = error
        for i, item in enumerate(items):
            if i in refused:
                item.result = await self._refusal(item)
            else:
                item.result = 1
                self._wrote(item, None, {})

    def _body(self, item: _Prepared) -> Document:
        body: Document = {"_id": item.doc_id, "_v": 1, **item.state, TOKEN_FIELD: item.token}
        if item.entries:
            body["_outbox"] = item.entries
            body["_outbox_since"] = item.entries[0]["at"]
        return body

    async def _refusal(self, item: _Prepared) -> VersionConflict | DuplicateKey:
        clash = await self._duplicate(item.doc_id, item.state)
        if clash is not None:
            return clash
        current = await self._coll.find_one({"_id": item.doc_id}, {"_v": 1})
        return VersionConflict(
            self.name,
            item.doc_id,
            item.write.expected_version,
            None if current is None else int(current["_v"]),
        )

    async def _update_all(self, items: list[_Prepared], single: bool) -> None:
        if not items:
            return
        gate = asyncio.Semaphore(_UPDATES_IN_FLIGHT)

        async def one(item: _Prepared) -> None:
            async with gate:
                if single:
                    await self._update_single_writer(item)
                else:
                    await self._update_atomic(item)

        results = await asyncio.gather(*(one(i) for i in items), return_exceptions=True)
        for r in results:
            if isinstance(r, BaseException):
                raise r

    async def _update_single_writer(self, item: _Prepared) -> None:
        expected = item.write.expected_version
        old = self._store.cache.get(self.name, item.doc_id)
        if old is None:
            raw = await self._coll.find_one({"_id": item.doc_id})
            old = None if raw is None else self._remember(raw)
        if old is None:
            if expected != ANY_VERSION:
                item.result = VersionConflict(self.name, item.doc_id, expected, None)
                return
            await self._insert_new([item])  # an upsert of a new document
            if isinstance(item.result, VersionConflict):  # created meanwhile by another
                item.result = None
                await self._update_single_writer(item)
            return
        version = int(old["_v"])
        if expected not in (ANY_VERSION, version):
            item.result = VersionConflict(self.name, item.doc_id, expected, version)
            return
        update = self._update_doc(item, version)
        item.sent = True
        try:
            matched = await _busy_retry(lambda: self._coll.update_one({"_id": item.doc_id}, update))
        except (DuplicateKeyError, OperationFailure) as exc:
            if not _is_duplicate(exc):
                raise
            item.result = await self._refusal(item)
            return
        if not matched:  # deleted behind this process's back
            item.result = VersionConflict(self.name, item.doc_id, expected, None)
            return
        item.result = version + 1
        self._wrote(item, old, update)

    async def _update_atomic(self, item: _Prepared) -> None:
        expected = item.write.expected_version
        flt: Document = {"_id": item.doc_id}
        if expected != ANY_VERSION:
            flt["_v"] = expected
        update = self._update_doc(item, expected)
        item.sent = True
        try:
            after = await self._coll.find_one_and_update(
                flt,
                update,
                # No projection: FerretDB 1.x does not implement findAndModify "fields".
                upsert=expected == ANY_VERSION,
                return_document=ReturnDocument.AFTER,
            )
        except (DuplicateKeyError, OperationFailure) as exc:
            if not _is_duplicate(exc):
                raise
            if expected == ANY_VERSION and await self._duplicate(item.doc_id, item.state) is None:
                return await self._update_atomic(item)  # two upserts raced to create it
            item.result = await self._refusal(item)
            return
        if after is None:
            current = await self._coll.find_one({"_id": item.doc_id}, {"_v": 1})
            item.result = VersionConflict(
                self.name, item.doc_id, expected, None if current is None else int(current["_v"])
            )
            return
        item.result = int(after["_v"])
        self._wrote(item, None, update)

    def _update_doc(self, item: _Prepared, version: int) -> Document:
        """``$set`` the state; the outbox is replaced when all it holds was relayed (this
        process knows it), otherwise the new entries are appended."""
        seq = self._store.sequence
        update: Document = {"$inc": {"_v": 1}}
        sets: Document = {**item.state, TOKEN_FIELD: item.token}
        if version != ANY_VERSION and seq.trimmable(self.name, item.doc_id, version):
            item.trimmed = True
            if item.entries:
                sets["_outbox"] = item.entries
                sets["_outbox_since"] = item.entries[0]["at"]
            else:
                update["$unset"] = {"_outbox": "", "_outbox_since": ""}
        elif item.entries:
            update["$push"] = {"_outbox": {"$each": item.entries}}
            update["$min"] = {"_outbox_since": item.entries[0]["at"]}
        if sets:
            update["$set"] = sets
        return update

    def _wrote(self, item: _Prepared, old: Document | None, update: Document) -> None:
        """Update what this process knows about the document after a successful write."""
        seq, version = self._store.sequence, item.result
        assert isinstance(version, int)
        highest = max(item.numbers, default=0)
        known = seq.known(self.name, item.doc_id)
        if version == 1 or item.trimmed:
            seq.learn(self.name, item.doc_id, version, highest)
        elif known is not None and known[0] == version - 1:
            seq.learn(self.name, item.doc_id, version, max(known[1], highest))
        else:
            seq.learn(self.name, item.doc_id, version, None)
        if not self._store.single_writer_known:
            return
        if version == 1:
            self._store.cache.put(self.name, {"_id": item.doc_id, "_v": 1, **item.state})
        elif old is not None:
            self._store.cache.put(self.name, {**old, **item.state, "_v": version})
        else:
            self._store.cache.drop(self.name, item.doc_id)

    async def _duplicate(self, doc_id: str, state: Document) -> DuplicateKey | None:
        """The unique index ``state`` violates, or None if the clash is on ``_id``.

        FerretDB's duplicate-key errors name no index, so ask each unique index instead.
        """
        for name, info in (await self._coll.index_information()).items():
            if not info.get("unique") or name == "_id_":
                continue
            fields = [f for f, _ in info["key"]]
            clash = {f: state.get(f) for f in fields} | {"_id": {"$ne": doc_id}}
            if await self._coll.find_one(clash, {"_id": 1}) is not None:
                return DuplicateKey(self.name, name, str({f: state.get(f) for f in fields}))
        return None

    async def _ensure_outbox_index(self) -> None:
        if not self._outbox_indexed:
            try:
                await self._coll.create_index([("_outbox_since", 1)], name="outbox_since")
            except PyMongoError as exc:
                raise unavailable(exc) from exc
            self._outbox_indexed = True


async def _busy_retry(call: Callable[[], Awaitable[UpdateResult]]) -> int:
    """``matched_count`` of an update; FerretDB's SQLite answers a concurrent write with
    SQLITE_BUSY (nothing was applied), so that one is retried after a short pause."""
    for attempt in range(_BUSY_RETRIES):
        try:
            return (await call()).matched_count
        except OperationFailure as exc:
            if "SQLITE_BUSY" not in str(exc) or attempt == _BUSY_RETRIES - 1:
                raise
            await asyncio.sleep(0.002 * (attempt + 1) + random.random() * 0.005)
    raise AssertionError("unreachable")


def _existing_id(error: Mapping[str, Any]) -> bool:
    # FerretDB 1.x may report a unique violation as an internal SQLite error.
    return error.get("code") == 11000 or "UNIQUE constraint" in str(error.get("errmsg", ""))


def _is_duplicate(exc: PyMongoError) -> bool:
    # FerretDB 1.x reports a unique violation on update as InternalError (code 1), with its
    # backend's words: SQLite's "UNIQUE constraint failed", PostgreSQL's SQLSTATE 23505.
    text = str(exc)
    return (
        isinstance(exc, DuplicateKeyError)
        or "UNIQUE constraint failed" in text
        or "(SQLSTATE 23505)" in text
    )
