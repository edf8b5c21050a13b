"""Effects-once for consumers: remember which event ids were already handled."""

from __future__ import annotations

from typing import Any

from services.kit.ports import DocumentStore, VersionConflict


class ProcessedIds:
    """A collection of handled event ids (``_id`` = event id).

    ``mark`` is atomic: of concurrent or repeated calls with one id exactly one returns True.
    For an effect in the same store, prefer deriving the effect document's ``_id`` from the
    event id and writing it with ``expected_version=0`` — then effect and mark are one write.

    >>> if await processed.mark(event["id"]):
    ...     await send_notification(event)
    """

    def __init__(self, store: DocumentStore, collection: str = "processed_events") -> None:
        self._coll = store.collection(collection)

    async def seen(self, event_id: str) -> bool:
        """True if ``event_id`` was marked."""
        return await self._coll.get(event_id) is not None

    async def mark(self, event_id: str, **fields: Any) -> bool:
        """Record ``event_id``; False if it was already recorded."""
        try:
            await self._coll.put({"_id": event_id, **fields}, expected_version=0)
        except VersionConflict:
            return False
        return True
