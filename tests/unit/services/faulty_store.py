"""A ``DocumentStore`` that fails chosen writes: the embedded adapter behind a fault switch.

``FaultyStore(inner)`` delegates everything to ``inner``; ``faults.fail_writes(...)`` makes
the next ``put``/``put_many`` calls on a collection (optionally only those touching some
ids) raise ``StoreUnavailable`` — either before anything is written (``applied=False``: the
engine refused) or after the inner store applied the writes (``applied=True``: the engine
did the work but the answer was lost, as with a timed-out write).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from services.kit.ports import (
    Collection,
    Document,
    DocumentStore,
    Filter,
    OutboxAck,
    OutboxEntry,
    OutboxFeed,
    Page,
    PendingOutbox,
    SortSpec,
    StoreUnavailable,
    Write,
    WriteResult,
)
from services.kit.store import rules


@dataclass
class WriteFault:
    collection: str
    ids: frozenset[str] | None  # None: any write to the collection
    times: int
    applied: bool


@dataclass
class Faults:
    pending: list[WriteFault] = field(default_factory=list)
    failed: int = 0  # put_many calls made to fail so far

    def fail_writes(
        self,
        collection: str,
        *,
        ids: Sequence[str] | None = None,
        times: int = 1,
        applied: bool = False,
    ) -> None:
        self.pending.append(
            WriteFault(collection, None if ids is None else frozenset(ids), times, applied)
        )

    def take(self, collection: str, writes: Sequence[Write]) -> WriteFault | None:
        touched = {str(w.doc["_id"]) for w in writes}
        for fault in self.pending:
            if fault.collection == collection and (fault.ids is None or fault.ids & touched):
                fault.times -= 1
                if fault.times <= 0:
                    self.pending.remove(fault)
                self.failed += 1
                return fault
        return None


class FaultyCollection:
    def __init__(self, inner: Collection, faults: Faults) -> None:
        self.name, self._inner, self._faults = inner.name, inner, faults

    async def ensure_index(self, fields: Sequence[str], *, unique: bool = False) -> None:
        await self._inner.ensure_index(fields, unique=unique)

    async def get(self, doc_id: str) -> Document | None:
        return await self._inner.get(doc_id)

    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        return await self._inner.get_many(doc_ids, for_write=for_write)

    async def put(
        self, doc: Mapping[str, Any], *, expected_version: int, outbox: Sequence[OutboxEntry] = ()
    ) -> int:
        return await rules.put_one(self.put_many, doc, expected_version, outbox)

    async def put_many(self, writes: Sequence[Write]) -> list[WriteResult]:
        fault = self._faults.take(self.name, writes)
        if fault is not None and not fault.applied:
            raise StoreUnavailable(f"injected: write to {self.name} refused")
        results = await self._inner.put_many(writes)
        if fault is not None:
            raise StoreUnavailable(f"injected: answer of a write to {self.name} lost")
        return results

    async def find(
        self,
        flt: Filter | None = None,
        *,
        sort: SortSpec = (),
        limit: int = 100,
        after: str | None = None,
    ) -> Page:
        return await self._inner.find(flt, sort=sort, limit=limit, after=after)

    async def count(self, flt: Filter | None = None) -> int:
        return await self._inner.count(flt)

    async def delete(self, doc_id: str) -> bool:
        return await self._inner.delete(doc_id)


class FaultyStore:
    def __init__(self, inner: DocumentStore) -> None:
        self.inner, self.faults = inner, Faults()
        self._collections: dict[str, FaultyCollection] = {}

    async def start(self) -> None:
        await self.inner.start()

    async def stop(self) -> None:
        await self.inner.stop()

    async def ping(self) -> None:
        await self.inner.ping()

    def collection(self, name: str) -> FaultyCollection:
        if name not in self._collections:
            self._collections[name] = FaultyCollection(self.inner.collection(name), self.faults)
        return self._collections[name]

    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        return await self.inner.outbox_pending(limit, min_age_s=min_age_s)

    async def outbox_ack(self, collection: str, doc_id: str, entry_ids: Sequence[str]) -> None:
        await self.inner.outbox_ack(collection, doc_id, entry_ids)

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        await self.inner.outbox_ack_many(acks)

    def add_outbox_listener(self, callback: Callable[[], None]) -> None:
        self.inner.add_outbox_listener(callback)

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        self.inner.add_outbox_feed(callback)
