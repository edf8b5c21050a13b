"""Where each upstream resource's sync stands: its cursor (persisted) and its health (live)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.kit.ports import ANY_VERSION, Collection

COLLECTION = "sync_state"


@dataclass
class ResourceSync:
    resource: str
    cursor: str | None = None  # the upstream's own updated-at text of the newest record seen
    etag_query: str | None = None  # the cursor the stored ETag belongs to
    etag: str | None = None
    last_success_at: datetime | None = None
    last_attempt_at: datetime | None = None
    reachable: bool | None = None  # None until the first attempt
    consecutive_failures: int = 0
    error_count: int = 0
    last_error: str | None = None
    records_seen: int = 0


@dataclass
class SyncState:
    resources: dict[str, ResourceSync] = field(default_factory=dict)

    def of(self, resource: str) -> ResourceSync:
        return self.resources.setdefault(resource, ResourceSync(resource))

    @property
    def reachable(self) -> bool:
        """False once a resource's last pull failed (unknown before the first attempt)."""
        return all(r.reachable is not False for r in self.resources.values())

    @property
    def last_sync_at(self) -> datetime | None:
        stamps = [r.last_success_at for r in self.resources.values()]
        return None if None in stamps or not stamps else min(s for s in stamps if s)

    def lag_seconds(self, now: datetime) -> float | None:
        """Seconds since every resource last completed a successful pull (staleness)."""
        last = self.last_sync_at
        return None if last is None else max(0.0, (now - last).total_seconds())

    @property
    def error_count(self) -> int:
        return sum(r.error_count for r in self.resources.values())

    @property
    def last_error(self) -> str | None:
        errs = [r for r in self.resources.values() if r.last_error and r.last_attempt_at]
        return (
            max(errs, key=lambda r: r.last_attempt_at or datetime.min).last_error if errs else None
        )


class CursorStore:
    """Persists cursors so a restarted service resumes where it stopped."""

    def __init__(self, coll: Collection) -> None:
        self.coll = coll

    async def load(self, state: SyncState, resources: list[str]) -> None:
        docs = await self.coll.get_many(resources)
        for name in resources:
            doc = docs.get(name) or {}
            rs = state.of(name)
            rs.cursor, rs.etag_query, rs.etag = (
                doc.get("cursor"),
                doc.get("etag_query"),
                doc.get("etag"),
            )

    async def save(self, rs: ResourceSync) -> None:
        doc = {
            "_id": rs.resource,
            "cursor": rs.cursor,
            "etag_query": rs.etag_query,
            "etag": rs.etag,
        }
        await self.coll.put(doc, expected_version=ANY_VERSION)
