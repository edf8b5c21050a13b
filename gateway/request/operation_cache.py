"""An LRU of prepared operations where concurrent misses for one key share one build.

Entries are whatever the builder returns — including failures expressed as values, so a bad
operation is parsed and validated once too. The cache belongs to one gateway state and is
dropped with it when the supergraph changes.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class OperationCache(Generic[V]):
    def __init__(self, capacity: int) -> None:
        self.capacity = capacity
        self._entries: OrderedDict[bytes, V] = OrderedDict()
        self._building: dict[bytes, asyncio.Future[V]] = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._entries)

    def peek(self, key: bytes) -> V | None:
        """The entry for ``key`` (marking it recently used), without building."""
        entry = self._entries.get(key)
        if entry is not None:
            self._entries.move_to_end(key)
            self.hits += 1
        return entry

    async def get(self, key: bytes, build: Callable[[], Awaitable[V]]) -> V:
        entry = self.peek(key)
        if entry is not None:
            return entry
        task = self._building.get(key)
        if task is None:
            self.misses += 1
            # A task of its own: a requester that goes away does not cancel the others' build.
            task = asyncio.ensure_future(self._build(key, build))
            self._building[key] = task
        return await asyncio.shield(task)

    async def _build(self, key: bytes, build: Callable[[], Awaitable[V]]) -> V:
        try:
            value = await build()
        finally:
            del self._building[key]
        self._entries[key] = value
        if len(self._entries) > self.capacity:
            self._entries.popitem(last=False)
        return value
