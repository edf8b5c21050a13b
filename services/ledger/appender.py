"""Batched inserts of new documents: the ledger's only write on its hot path.

The store port writes one document per call; the ledger appends hundreds at once. Two
implementations of one small Protocol: ``MongoAppender`` (one ``insert_many`` per call —
thousands of documents per second on FerretDB 1.x against a few hundred single writes) and
``PortAppender`` (any ``DocumentStore``: ``put`` with ``expected_version=0`` per document;
fast enough on the embedded SQLite store). Both report which positions of the batch were
refused because their ``_id`` exists already, which is the only unique key the ledger uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from services.kit.ports import Document, DocumentStore, VersionConflict, Write
from services.kit.store import rules

if TYPE_CHECKING:
    from pymongo.asynchronous.database import AsyncDatabase


@dataclass(frozen=True, slots=True)
class Inserted:
    """What an insert did: how many went in, and the batch positions refused as existing."""

    count: int
    existing: tuple[int, ...] = field(default=())


class Appender(Protocol):
    async def insert(
        self, collection: str, docs: Sequence[Mapping[str, Any]], *, ordered: bool
    ) -> Inserted:
        """Insert new documents. ``ordered``: stop at the first existing ``_id`` (the ones
        before it stay); otherwise insert every document whose ``_id`` is new."""
        ...


def _checked(doc: Mapping[str, Any]) -> Document:
    doc_id, state = rules.split_document(doc)  # InvalidDocument: not portable to FerretDB
    return {"_id": doc_id, "_v": 1, **state}


class PortAppender:
    """Any document store: one ``put_many`` of new documents (the embedded store writes them
    in one transaction)."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def insert(
        self, collection: str, docs: Sequence[Mapping[str, Any]], *, ordered: bool
    ) -> Inserted:
        if not docs:
            return Inserted(0, ())
        coll = self._store.collection(collection)
        bodies = [_checked(d) for d in docs]
        if ordered and await coll.get(bodies[0]["_id"]) is not None:
            return Inserted(0, (0,))  # the usual clash: an earlier attempt took these positions
        results = await coll.put_many([Write(body, 0) for body in bodies])
        for r in results:
            if isinstance(r, Exception) and not isinstance(r, VersionConflict):
                raise r  # the ledger has no unique index but ``_id``: a real fault
        refused = [i for i, r in enumerate(results) if isinstance(r, VersionConflict)]
        if not ordered or not refused:
            return Inserted(len(bodies) - len(refused), tuple(refused))
        # Each write of put_many fails alone: undo what went in after the first refusal, so
        # an ordered insert leaves a prefix, as MongoDB's does.
        first = refused[0]
        for i in range(first + 1, len(bodies)):
            if not isinstance(results[i], VersionConflict):
                await coll.delete(bodies[i]["_id"])
        return Inserted(first, (first,))


class MongoAppender:
    """MongoDB / FerretDB: one ``insert_many`` per call."""

    def __init__(self, db: AsyncDatabase[Document]) -> None:
        self._db = db

    async def insert(
        self, collection: str, docs: Sequence[Mapping[str, Any]], *, ordered: bool
    ) -> Inserted:
        from pymongo.errors import BulkWriteError, PyMongoError

        from services.kit.store.mongo_errors import unavailable

        bodies = [_checked(d) for d in docs]
        if not bodies:
            return Inserted(0)
        try:
            await self._db[collection].insert_many(bodies, ordered=ordered)
        except BulkWriteError as exc:
            details = exc.details
            errors = details.get("writeErrors", [])
            if any(not _duplicate(e) for e in errors):
                raise
            return Inserted(int(details.get("nInserted", 0)), tuple(e["index"] for e in errors))
        except PyMongoError as exc:
            raise unavailable(exc) from exc
        return Inserted(len(bodies))


def _duplicate(error: Mapping[str, Any]) -> bool:
    # FerretDB 1.x may report a unique violation as an internal SQLite error.
    return error.get("code") == 11000 or "UNIQUE constraint" in str(error.get("errmsg", ""))


def appender_for(store: DocumentStore, backend: str) -> Appender:
    """The fastest appender for ``store``: ``insert_many`` on MongoDB/FerretDB."""
    db = getattr(store, "db", None)
    if backend == "kafka" and db is not None:
        return MongoAppender(db)
    return PortAppender(store)
