"""Records that failed mapping or validation, kept with the reason and the raw record.

One document per (entity, upstream id), so a record that keeps failing is counted, not
duplicated; when a later version of the record maps cleanly its entry is resolved
(removed). The raw record is stored as JSON text because upstream garbage may hold keys
(``$x``, ``a.b``, ``_id``) that no document store accepts.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from services.kit.ports import ANY_VERSION, Collection, Document, aiter_pages

log = logging.getLogger("rumah.quarantine")
COLLECTION = "quarantine"


@dataclass(frozen=True, slots=True)
class QuarantineKey:
    entity: str
    upstream_id: str | None
    raw_json: str

    @property
    def doc_id(self) -> str:
        if self.upstream_id is not None:
            return f"{self.entity}:{self.upstream_id}"
        digest = hashlib.blake2b(self.raw_json.encode(), digest_size=8).hexdigest()
        return f"{self.entity}:#{digest}"


class Quarantine:
    def __init__(self, coll: Collection) -> None:
        self.coll = coll
        self._open: set[str] = set()

    async def load(self) -> None:
        """Remember which entries are open, so resolving costs nothing for clean records."""
        self._open = {d["_id"] async for d in aiter_pages(self.coll)}

    async def hold(
        self, entity: str, upstream_id: str | None, reason: str, raw: Any, now: datetime
    ) -> None:
        raw_json = orjson.dumps(raw, option=orjson.OPT_NON_STR_KEYS, default=str).decode()
        key = QuarantineKey(entity, upstream_id, raw_json)
        old = await self.coll.get(key.doc_id)
        doc: Document = {
            "_id": key.doc_id,
            "entity": entity,
            "upstream_id": upstream_id,
            "reason": reason,
            "raw_json": raw_json,
            "first_seen": old["first_seen"] if old else now.isoformat(),
            "last_seen": now.isoformat(),
            "count": (old["count"] if old else 0) + 1,
        }
        await self.coll.put(doc, expected_version=ANY_VERSION)
        self._open.add(key.doc_id)
        log.warning(
            "record_quarantined", extra={"entity": entity, "id": upstream_id, "reason": reason}
        )

    async def resolve(self, entity: str, upstream_id: str) -> None:
        doc_id = f"{entity}:{upstream_id}"
        if doc_id in self._open:
            await self.coll.delete(doc_id)
            self._open.discard(doc_id)
            log.info("quarantine_resolved", extra={"entity": entity, "id": upstream_id})

    @property
    def open_count(self) -> int:
        return len(self._open)
