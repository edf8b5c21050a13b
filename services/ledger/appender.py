"""Batched inserts of new documents: the ledger's only write on its hot path.

The store port's ``insert_new`` does the work (MongoDB / FerretDB: one ``insert_many``;
SQLite: one transaction) and reports which positions of the batch were refused because
their ``_id`` exists already, which is the only unique key the ledger uses. ``Appender`` is
the ledger's port over it, so tests can make one insert fail or lose its answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from services.kit.ports import DocumentStore, Inserted


class Appender(Protocol):
    async def insert(
        self, collection: str, docs: Sequence[Mapping[str, Any]], *, ordered: bool
    ) -> Inserted:
        """Insert new documents. ``ordered``: stop at the first existing ``_id`` (the ones
        before it stay); otherwise insert every document whose ``_id`` is new."""
        ...


class PortAppender:
    """Any document store, through its ``insert_new``."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def insert(
        self, collection: str, docs: Sequence[Mapping[str, Any]], *, ordered: bool
    ) -> Inserted:
        return await self._store.collection(collection).insert_new(docs, ordered=ordered)
