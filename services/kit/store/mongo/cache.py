"""The single-writer cache of the Mongo adapter: documents this process last read or wrote."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import orjson

from services.kit.ports import Document


class DocCache:
    """The last known state of documents this (single-writer) process read or wrote, kept as
    JSON so callers can never mutate a cached document. Bounded, least recently used out."""

    def __init__(self, capacity: int = 50_000) -> None:
        self.capacity = capacity
        self.enabled = False
        self._docs: OrderedDict[tuple[str, str], bytes] = OrderedDict()

    def get(self, collection: str, doc_id: str) -> Document | None:
        raw = self._docs.get((collection, doc_id)) if self.enabled else None
        if raw is None:
            return None
        self._docs.move_to_end((collection, doc_id))
        doc: Document = orjson.loads(raw)
        return doc

    def put(self, collection: str, doc: Mapping[str, Any]) -> None:
        if not self.enabled:
            return
        key = (collection, str(doc["_id"]))
        self._docs[key] = orjson.dumps(doc)
        self._docs.move_to_end(key)
        if len(self._docs) > self.capacity:
            self._docs.popitem(last=False)

    def drop(self, collection: str, doc_id: str) -> None:
        self._docs.pop((collection, doc_id), None)
