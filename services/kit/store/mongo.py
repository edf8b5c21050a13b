"""The scale-out document store: MongoDB through PyMongo's async API (tested on FerretDB).

No transactions are needed: a put is ONE single-document write (insert, or update with a
version filter) that ``$set``s the state and ``$push``es the outbox entries, so pending
entries are never overwritten. Every call is bounded by the client's timeouts and raises
``StoreUnavailable`` while the engine is unreachable.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from contextlib import AsyncExitStack
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument, UpdateOne
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError, OperationFailure, PyMongoError

from services.kit.ports import (
    ANY_VERSION,
    Document,
    DuplicateKey,
    Filter,
    OutboxAck,
    OutboxEntry,
    Page,
    PendingOutbox,
    SortSpec,
    VersionConflict,
)
from services.kit.store import rules
from services.kit.store.mongo_errors import unavailable
from services.kit.store.mongo_query import keyset_filter, mongo_filter

_HIDDEN = {"_outbox": 0, "_outbox_since": 0}
_ACK_OPS_PER_BULK = 40  # two operations per acknowledged document


def _entry(e: OutboxEntry) -> dict[str, Any]:
    return {"id": e.id, "topic": e.topic, "key": e.key, "value": e.value}


class MongoCollection:
    def __init__(self, store: MongoDocumentStore, name: str) -> None:
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

    async def get(self, doc_id: str) -> Document | None:
        try:
            return await self._coll.find_one({"_id": doc_id}, _HIDDEN)
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    async def get_many(self, doc_ids: Sequence[str]) -> dict[str, Document]:
        ids = list(dict.fromkeys(doc_ids))
        try:
            docs = await self._coll.find({"_id": {"$in": ids}}, _HIDDEN).to_list(None)
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        return {d["_id"]: d for d in docs}

    async def put(
        self,
        doc: Mapping[str, Any],
        *,
        expected_version: int,
        outbox: Sequence[OutboxEntry] = (),
    ) -> int:
        doc_id, state = rules.split_document(doc)
        entries = [_entry(e) for e in outbox]
        if entries:
            await self._ensure_outbox_index()
        try:
            async with self._store.doc_lock(self.name, doc_id):
                version = await self._write(doc_id, state, entries, expected_version)
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        if entries:
            self._store.notify()
        return version

    async def _write(
        self, doc_id: str, state: Document, entries: list[Document], expected: int
    ) -> int:
        for attempt in (1, 2):
            try:
                if expected == 0:
                    return await self._insert(doc_id, state, entries)
                return await self._update(doc_id, state, entries, expected)
            except (DuplicateKeyError, OperationFailure) as exc:
                if not _is_duplicate(exc):
                    raise
                index_clash = await self._duplicate(doc_id, state)
                if index_clash is not None:
                    raise index_clash from exc
                if expected != ANY_VERSION or attempt == 2:
                    current = await self._coll.find_one({"_id": doc_id}, {"_v": 1})
                    raise VersionConflict(
                        self.name, doc_id, expected, current and current["_v"]
                    ) from exc
                # Two upserts raced to create the document: the retry updates it.
        raise AssertionError("unreachable")

    async def _insert(self, doc_id: str, state: Document, entries: list[Document]) -> int:
        body: Document = {"_id": doc_id, "_v": 1, **state}
        if entries:
            body["_outbox"] = entries
            body["_outbox_since"] = int(time.time() * 1000)
        await self._coll.insert_one(body)
        return 1

    async def _update(
        self, doc_id: str, state: Document, entries: list[Document], expected: int
    ) -> int:
        update: Document = {"$inc": {"_v": 1}}
        if state:
            update["$set"] = state
        if entries:
            update["$push"] = {"_outbox": {"$each": entries}}
            update["$min"] = {"_outbox_since": int(time.time() * 1000)}
        flt: Document = {"_id": doc_id}
        if expected != ANY_VERSION:
            flt["_v"] = expected
        after = await self._coll.find_one_and_update(
            flt,
            update,
            # No projection: FerretDB 1.x does not implement findAndModify "fields".
            upsert=expected == ANY_VERSION,
            return_document=ReturnDocument.AFTER,
        )
        if after is None:
            current = await self._coll.find_one({"_id": doc_id}, {"_v": 1})
            raise VersionConflict(self.name, doc_id, expected, current and current["_v"])
        return int(after["_v"])

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
                return (await self._coll.delete_one({"_id": doc_id})).deleted_count > 0
        except PyMongoError as exc:
            raise unavailable(exc) from exc


class MongoDocumentStore:
    """``DocumentStore`` on database ``db`` of a MongoDB-compatible server at ``url``."""

    def __init__(
        self, url: str, db: str, *, connect_timeout_s: float = 3.0, op_timeout_s: float = 10.0
    ) -> None:
        self._url, self._db_name = url, db
        self._connect_ms = int(connect_timeout_s * 1000)
        self._op_ms = int(op_timeout_s * 1000)
        self._client: AsyncMongoClient[Document] | None = None
        self._collections: dict[str, MongoCollection] = {}
        self._listeners: list[Callable[[], None]] = []
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._names: tuple[float, list[str]] = (0.0, [])

    @property
    def db(self) -> AsyncDatabase[Document]:
        if self._client is None:
            raise RuntimeError("store is not started")
        return self._client[self._db_name]

    async def start(self) -> None:
        # The client connects lazily: starting never fails because the server is down.
        self._client = AsyncMongoClient(
            self._url,
            appname="rumah",
            serverSelectionTimeoutMS=self._connect_ms,
            connectTimeoutMS=self._connect_ms,
            timeoutMS=self._op_ms,
        )

    async def stop(self) -> None:
        if self._client is not None:
            client, self._client = self._client, None
            await client.close()

    async def ping(self) -> None:
        try:
            await self.db.command("ping")
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    def collection(self, name: str) -> MongoCollection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self, rules.check_field(name))
        return self._collections[name]

    def add_outbox_listener(self, callback: Callable[[], None]) -> None:
        self._listeners.append(callback)

    def doc_lock(self, collection: str, doc_id: str) -> asyncio.Lock:
        """Serialises this process's writes to one document.

        FerretDB 1.x applies an update as read-then-write without isolation, so two
        concurrent writes to one document could both pass the version filter, or an ack's
        ``$pullAll`` could drop an entry pushed meanwhile. Within a process this lock rules
        that out; MongoDB itself needs no lock (its single-document writes are atomic).
        """
        key = (collection, doc_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def notify(self) -> None:
        for callback in self._listeners:
            callback()

    async def _collection_names(self) -> list[str]:
        # Other processes may create collections; re-list now and then, not on every poll.
        at, names = self._names
        if time.monotonic() - at > 5.0:
            names = await self.db.list_collection_names()
            self._names = (time.monotonic(), names)
        return names

    async def outbox_pending(self, limit: int = 100) -> list[PendingOutbox]:
        found: list[tuple[int, PendingOutbox]] = []
        try:
            for name in await self._collection_names():
                cursor = (
                    self.db[name]
                    .find({"_outbox_since": {"$exists": True}}, {"_outbox": 1, "_outbox_since": 1})
                    .sort([("_outbox_since", 1)])
                    .limit(limit)
                )
                for doc in await cursor.to_list(None):
                    entries = _entries(doc)
                    if entries:
                        found.append(
                            (doc["_outbox_since"], PendingOutbox(name, doc["_id"], entries))
                        )
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        found.sort(key=lambda item: item[0])
        return [p for _, p in found[:limit]]

    async def outbox_ack(self, collection: str, doc_id: str, entry_ids: Sequence[str]) -> None:
        wanted = set(entry_ids)
        try:
            doc = await self.db[collection].find_one({"_id": doc_id}, {"_outbox": 1})
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        entries = tuple(e for e in _entries(doc) if e.id in wanted)
        if entries:
            await self.outbox_ack_many([OutboxAck(collection, doc_id, entries)])

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        by_coll: dict[str, list[UpdateOne]] = defaultdict(list)
        for ack in acks:
            ops = by_coll[ack.collection]
            # $pullAll of whole elements: FerretDB 1.x cannot $pull by a condition.
            pull = {"$pullAll": {"_outbox": [_entry(e) for e in ack.entries]}}
            ops.append(UpdateOne({"_id": ack.doc_id}, pull))
            # Only once the outbox is empty; a writer pushing meanwhile keeps it pending.
            ops.append(
                UpdateOne({"_id": ack.doc_id, "_outbox": []}, {"$unset": {"_outbox_since": ""}})
            )
        try:
            async with AsyncExitStack() as locks:
                for key in sorted({(a.collection, a.doc_id) for a in acks}):
                    await locks.enter_async_context(self.doc_lock(*key))
                for name, ops in by_coll.items():
                    # Bounded bulks: FerretDB 1.x (SQLite) slows down more than linearly
                    # with the bulk size, and one bulk over the operation timeout would fail
                    # the same relay batch forever; acks are idempotent, so chunks are safe.
                    for i in range(0, len(ops), _ACK_OPS_PER_BULK):
                        await self.db[name].bulk_write(ops[i : i + _ACK_OPS_PER_BULK], ordered=True)
        except PyMongoError as exc:
            raise unavailable(exc) from exc


def _is_duplicate(exc: PyMongoError) -> bool:
    # FerretDB 1.x reports a unique violation on update as InternalError (code 1).
    return isinstance(exc, DuplicateKeyError) or "UNIQUE constraint failed" in str(exc)


def _entries(doc: Mapping[str, Any] | None) -> tuple[OutboxEntry, ...]:
    return tuple(
        OutboxEntry(e["id"], e["topic"], e["key"], bytes(e["value"]))
        for e in (doc or {}).get("_outbox") or ()
    )
