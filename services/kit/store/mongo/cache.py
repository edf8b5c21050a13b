"""The single-writer cache of the Mongo adapter: documents this process last read or wrote."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from services.kit.ports import Document


class DocCache:
    """The last known state of documents this (single-writer) process read or wrote, kept as
    JSON so callers can never mutate a cached document. Bounded, least recently used out.

    Never goes back in version: a read that left before a write and answers after it (reads
    take no lock) must not replace the written state — the in-process version check would
    then accept a write planned on the older state, and both writes would mint the same
    event ids for different changes."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self.enabled = False
        self._docs: OrderedDict[tuple[str, str], tuple[int, bytes]] = OrderedDict()
        # the highest version seen per document, kept when its state is dropped
        self._floor: OrderedDict[tuple[str, str], int] = OrderedDict()

    def get(self, collection: str, doc_id: str) -> Document | None:
        found = self._docs.get((collection, doc_id)) if self.enabled else None
        if found is None:
            return None
        self._docs.move_to_end((collection, doc_id))
        doc: Document = orjson.loads(found[1])
        return doc

    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        key, version = (collection, str(doc["_id"])), int(doc["_v"])
        if version < self._floor.get(key, 0):
            return  # an older state than one already seen
        self._docs[key] = (version, orjson.dumps(doc))
        self._docs.move_to_end(key)
        self._floor[key] = version
        self._floor.move_to_end(key)
        if len(self._floor) > self.capacity:
            self._floor.popitem(last=False)
        if len(self._docs) > self.capacity:
            self._docs.popitem(last=False)

    def drop(self, collection: str, doc_id: str, *, deleted: bool = False) -> None:
        """Forget the state (the next write reads it); a deleted document its versions too."""
        self._docs.pop((collection, doc_id), None)
        if deleted:
            self._floor.pop((collection, doc_id), None)
