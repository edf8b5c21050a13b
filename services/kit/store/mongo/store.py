"""``MongoDocumentStore``: the client, the write mode, the caches and the outbox side.

The outbox is read by scanning (``outbox_pending``: start-up, recovery, safety net) and
acknowledged by advancing this writer's checkpoint (one small write per relayed batch);
entries of other writers (another process, an earlier run, older code) are acknowledged by
``$pullAll`` of the exact stored elements, as FerretDB 1.x cannot ``$pull`` by condition.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import defaultdict
from collections.abc import Mapping, Sequence
from contextlib import AsyncExitStack

from pymongo import AsyncMongoClient, UpdateOne
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import PyMongoError

from services.kit.ports import (
    Document,
    OutboxAck,
    OutboxEntry,
    OutboxFeed,
    PendingOutbox,
)
from services.kit.store import rules
from services.kit.store.mongo.cache import DocCache
from services.kit.store.mongo.collection import MongoCollection
from services.kit.store.mongo.errors import unavailable
from services.kit.store.mongo.fence import WriteFence
from services.kit.store.mongo.outbox import (
    CHECKPOINTS,
    UNKNOWN_GIVE_UP_S,
    OutboxSequence,
    now_ms,
)

_ACK_OPS_PER_BULK = 40  # two operations per acknowledged document
_NO_CUTOFF = 2**62  # a full scan: entries of any age
MAX_CONNECTIONS = 16  # see MongoDocumentStore


class MongoDocumentStore:
    """``DocumentStore`` on database ``db`` of a MongoDB-compatible server at ``url``.

    ``single_writer``: None = decide from the server (FerretDB → True); True promises that
    no other process writes this database (then versions are checked in-process).
    ``write_timeout_s``: how long a write waits for its answer (at least ``op_timeout_s``).
    ``max_connections``: the client's pool, hence the most operations this process has in
    flight at once. FerretDB 1.x on PostgreSQL hangs for good when as many updates run at
    once as its own PostgreSQL pool holds (``pool_max_conns``, 50 by default): each holds a
    connection for its read and waits for a second one to write. Keep the sum over the
    processes sharing one FerretDB below that (``rumah infra`` raises it to 150).
    """

    def __init__(
        self,
        url: str,
        db: str,
        *,
        connect_timeout_s: float = 3.0,
        op_timeout_s: float = 10.0,
        write_timeout_s: float = 60.0,
        single_writer: bool | None = None,
        max_connections: int = MAX_CONNECTIONS,
    ) -> None:
        self._url, self._db_name = url, db
        self._max_connections = max_connections
        self._connect_ms = int(connect_timeout_s * 1000)
        self._op_ms = int(op_timeout_s * 1000)
        self._client: AsyncMongoClient[Document] | None = None
        self._collections: dict[str, MongoCollection] = {}
        self._feeds: list[OutboxFeed] = []
        self._locks: weakref.WeakValueDictionary[tuple[str, str], asyncio.Lock] = (
            weakref.WeakValueDictionary()
        )
        self._names: tuple[float, list[str]] = (0.0, [])
        self._single_writer = single_writer
        self.cache = DocCache()
        self.cache.enabled = bool(single_writer)
        self.sequence = OutboxSequence()
        # Writes wait longer than other calls: see ``services.kit.store.mongo.fence`` for why
        # and what else.
        self.write_timeout_s = max(write_timeout_s, op_timeout_s)
        self.fence = WriteFence(self.sequence.writer)
        self._scanned: dict[str, Document] = {}  # entry id → stored element (foreign acks)

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
            maxPoolSize=self._max_connections,
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

    @property
    def single_writer_known(self) -> bool:
        return bool(self._single_writer)

    async def single_writer(self) -> bool:
        """True on FerretDB (detected once through ``buildInfo``) unless configured."""
        if self._single_writer is None:
            info = await self.db.command("buildInfo")
            self._single_writer = "ferretdbVersion" in info
            self.cache.enabled = self._single_writer
        return self._single_writer

    def collection(self, name: str) -> MongoCollection:
        if name not in self._collections:
            self._collections[name] = MongoCollection(self, rules.check_field(name))
        return self._collections[name]

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        self._feeds.append(callback)

    def doc_lock(self, collection: str, doc_id: str) -> asyncio.Lock:
        """Serialises this process's writes to one document.

        FerretDB 1.x applies an update as read-then-write without isolation, and in
        single-writer mode the version check is in-process: this lock makes both safe
        within a process. MongoDB itself needs no lock (its single-document writes are
        atomic), but the outbox bookkeeping relies on it too.
        """
        key = (collection, doc_id)
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    def notify(self, written: Sequence[PendingOutbox], unknown: bool) -> None:
        if written:
            for feed in self._feeds:
                feed(written)
        if unknown:
            for feed in self._feeds:
                feed(None)

    async def _collection_names(self) -> list[str]:
        """The collections a scan reads: every one this process has opened — its writes
        never wait for a re-listing (a full scan that missed a new collection let the fed
        queue publish a document's later entries before its older ones) — and what the
        engine listed, re-listed now and then for collections other processes created."""
        at, listed = self._names
        if time.monotonic() - at > 5.0:
            listed = [n for n in await self.db.list_collection_names() if not n.startswith("_")]
            self._names = (time.monotonic(), listed)
        own = (n for n in self._collections if not n.startswith("_"))
        return sorted({*listed, *own})

    # ---------------------------------------------------------------- outbox: read
    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        # A full scan (no minimum age) takes every pending entry, whatever its stamp says: a
        # wall clock stepped back (or another host's clock ahead) must not leave older
        # entries behind for the fed queue to overtake.
        cutoff = now_ms() - int(min_age_s * 1000) if min_age_s > 0 else _NO_CUTOFF
        found: list[tuple[int, PendingOutbox]] = []
        try:
            checkpoints = {
                d["_id"]: int(d.get("seq", 0))
                for d in await self.db[CHECKPOINTS].find().to_list(None)
            }
            for name in await self._collection_names():
                cursor = self.db[name].find(
                    {"_outbox_since": {"$exists": True}},
                    {"_outbox": 1, "_outbox_since": 1, "_v": 1},
                )
                for doc in await cursor.to_list(None):
                    item = self._pending_of(name, doc, checkpoints, cutoff)
                    if item is not None:
                        found.append(item)
            await self._settle_unknown(found, checkpoints, cutoff)
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        found.sort(key=lambda item: item[0])
        return [p for _, p in found[:limit]]

    def _pending_of(
        self, name: str, doc: Document, checkpoints: Mapping[str, int], cutoff: int
    ) -> tuple[int, PendingOutbox] | None:
        seq, entries, oldest = self.sequence, [], None
        for e in doc.get("_outbox") or ():
            writer, number = e.get("w"), int(e.get("s", 0))
            if writer == seq.writer:
                if not seq.is_pending(number):
                    continue
            elif writer is not None and number <= checkpoints.get(writer, 0):
                continue
            at = int(e.get("at", doc.get("_outbox_since", 0)))
            if at > cutoff:
                break  # this one is too young, and so is what was written after it
            if writer != seq.writer:
                self._scanned[e["id"]] = e
            entries.append(OutboxEntry(e["id"], e["topic"], e["key"], bytes(e["value"])))
            oldest = at if oldest is None else min(oldest, at)
        if not entries or oldest is None:
            return None
        return oldest, PendingOutbox(name, doc["_id"], tuple(entries))

    async def _settle_unknown(
        self, found: list[tuple[int, PendingOutbox]], checkpoints: Mapping[str, int], cutoff: int
    ) -> None:
        """Writes of unknown outcome: stored (the scan found them) or not (the document moved
        on without them); otherwise they stay unknown and hold the checkpoint back."""
        seq = self.sequence
        by_doc: dict[tuple[str, str], list[int]] = defaultdict(list)
        for number, where in seq.unknown.items():
            by_doc[(where.collection, where.doc_id)].append(number)
        for (name, doc_id), numbers in by_doc.items():
            doc = await self.db[name].find_one({"_id": doc_id})
            stored = {
                int(e.get("s", 0))
                for e in (doc or {}).get("_outbox") or ()
                if e.get("w") == seq.writer
            }
            where = seq.unknown[numbers[0]]
            moved_on = where.expected >= 0 and doc is not None and int(doc["_v"]) != where.expected
            moved_on = moved_on or time.monotonic() - where.since > UNKNOWN_GIVE_UP_S
            for number in numbers:
                if number in stored:  # written: relayed and acknowledged like any other
                    seq.unknown.pop(number, None)
                elif moved_on:
                    seq.resolve([number])
            if doc is not None and any(n in stored for n in numbers):
                already = {(p.collection, p.doc_id) for _, p in found}
                if (name, doc_id) not in already:
                    item = self._pending_of(name, doc, checkpoints, cutoff + 10**12)
                    if item is not None:
                        found.append(item)

    # ---------------------------------------------------------------- outbox: acknowledge
    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        foreign: list[tuple[str, str, list[Document]]] = []
        for ack in acks:
            others = self.sequence.acknowledge(ack.entry_ids)
            if others:
                # Kept until the $pullAll succeeded: a retried ack needs the exact elements.
                stored = [self._scanned.get(i) or _legacy(ack, i) for i in others]
                foreign.append((ack.collection, ack.doc_id, stored))
        try:
            if foreign:
                await self._pull_all(foreign)
                for _, _, stored in foreign:
                    for e in stored:
                        self._scanned.pop(e["id"], None)
            checkpoint = self.sequence.checkpoint
            if checkpoint > self.sequence.persisted:
                await self.db[CHECKPOINTS].update_one(
                    {"_id": self.sequence.writer},
                    {"$set": {"seq": checkpoint, "at": now_ms()}},
                    upsert=True,
                )
                self.sequence.persisted = checkpoint
        except PyMongoError as exc:
            raise unavailable(exc) from exc

    async def _pull_all(self, foreign: list[tuple[str, str, list[Document]]]) -> None:
        by_coll: dict[str, list[UpdateOne]] = defaultdict(list)
        for name, doc_id, stored in foreign:
            ops = by_coll[name]
            # $pullAll of whole elements: FerretDB 1.x cannot $pull by a condition.
            ops.append(UpdateOne({"_id": doc_id}, {"$pullAll": {"_outbox": stored}}))
            # Only once the outbox is empty; a writer pushing meanwhile keeps it pending.
            ops.append(UpdateOne({"_id": doc_id, "_outbox": []}, {"$unset": {"_outbox_since": ""}}))
            self.sequence.learn(name, doc_id, 0, None)
        async with AsyncExitStack() as locks:
            for key in sorted({(name, doc_id) for name, doc_id, _ in foreign}):
                await locks.enter_async_context(self.doc_lock(*key))
            for name, ops in by_coll.items():
                # Bounded bulks: FerretDB 1.x (SQLite) slows down more than linearly with
                # the bulk size, and one bulk over the operation timeout would fail the
                # same relay batch forever; acks are idempotent, so chunks are safe.
                for i in range(0, len(ops), _ACK_OPS_PER_BULK):
                    await self.db[name].bulk_write(ops[i : i + _ACK_OPS_PER_BULK], ordered=True)


def _legacy(ack: OutboxAck, entry_id: str) -> Document:
    """The stored element of an entry written by older code (no writer stamp)."""
    e = next(e for e in ack.entries if e.id == entry_id)
    return {"id": e.id, "topic": e.topic, "key": e.key, "value": e.value}
