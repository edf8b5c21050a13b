"""Single flight: concurrent calls with one key share one run of the work.

The first caller (the leader) runs the work itself — no task of its own, so a call nobody
joins costs one dict insert and one future. Callers arriving while it runs (followers) wait
for its outcome: the same value, or the same exception. Nothing is kept once the run ends:
this is de-duplication of *in-flight* work, never a cache.

Cancellation stays with whoever is cancelled: a follower that goes away stops waiting and
nothing else; a leader that goes away cancels only its own run, and its followers start
again — one of them becomes the new leader — so they are never cancelled on its behalf.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

V = TypeVar("V")


class _LeaderGone(Exception):
    """The leader was cancelled before its work finished: followers run it again."""


class Inflight(Generic[V]):
    """In-flight runs by key. ``joined`` counts calls served by another caller's run."""

    __slots__ = ("_running", "joined")

    def __init__(self) -> None:
        self._running: dict[Hashable, asyncio.Future[V]] = {}
        self.joined = 0

    def __len__(self) -> int:
        return len(self._running)

    def __contains__(self, key: Hashable) -> bool:
        """Whether a run for ``key`` is in flight (a call now would join it)."""
        return key in self._running

    async def run(self, key: Hashable, work: Callable[[], Awaitable[V]]) -> V:
        """``work()``'s outcome; shared with every concurrent call of the same ``key``."""
        while True:
            running = self._running.get(key)
            if running is None:
                return await self._lead(key, work)
            self.joined += 1
            try:
                # shielded: a follower cancelled here must not cancel the shared future
                return await asyncio.shield(running)
            except _LeaderGone:
                self.joined -= 1  # not served by that run after all: go again

    async def _lead(self, key: Hashable, work: Callable[[], Awaitable[V]]) -> V:
        future: asyncio.Future[V] = asyncio.get_running_loop().create_future()
        self._running[key] = future
        try:
            value = await work()
        except asyncio.CancelledError:
            self._settle(key, future, _LeaderGone())
            raise
        except BaseException as exc:
            self._settle(key, future, exc)
            raise
        del self._running[key]
        future.set_result(value)
        return value

    def _settle(self, key: Hashable, future: asyncio.Future[V], exc: BaseException) -> None:
        del self._running[key]
        future.set_exception(exc)
        future.exception()  # retrieved here: no "never retrieved" warning when nobody joined
