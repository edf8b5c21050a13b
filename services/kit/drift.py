"""Schema drift: upstream fields the mapping does not know. Tolerated, reported once.

"Once" holds across restarts: every reported (entity, field) is stored, and loaded at start.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from services.kit.ports import Collection, DuplicateKey, VersionConflict, aiter_pages

log = logging.getLogger("rumah.drift")
COLLECTION = "schema_drift"


class DriftReporter:
    def __init__(self, coll: Collection) -> None:
        self.coll = coll
        self.known: set[tuple[str, str]] = set()

    async def load(self) -> None:
        self.known = {(d["entity"], d["field"]) async for d in aiter_pages(self.coll)}

    async def observe(self, entity: str, fields: Iterable[str], now: datetime) -> None:
        for name in fields:
            if (entity, name) in self.known:
                continue
            self.known.add((entity, name))
            log.warning("schema_drift", extra={"entity": entity, "field": name})
            doc = {
                "_id": f"{entity}:{name}",
                "entity": entity,
                "field": name,
                "first_seen": now.isoformat(),
            }
            try:
                await self.coll.put(doc, expected_version=0)
            except (VersionConflict, DuplicateKey):
                pass  # another replica reported it first: still once

    def fields(self) -> list[str]:
        return sorted(f"{e}.{f}" for e, f in self.known)
