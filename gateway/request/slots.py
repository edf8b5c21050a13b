"""Execution slots: at most ``count`` plan executions of this process run at once; the others
wait their turn, first come first served (``RUMAH_GATEWAY_EXECUTION_SLOTS``, 0 = no limit).

Why: under the heavy bench (50 concurrent heavy queries, one worker) the gateway spent about
1 ms more CPU per request than with 8 at a time. Every live request tree is walked by the
young garbage collections and pushes the others out of the CPU caches, so 50 executions
interleaved cost more than the same 50 run 8 at a time (docs/performance.md).

A slot is *soft*: an execution still running ``hold`` seconds after it got its slot (waiting
on a slow subgraph) gives it up and goes on outside the limit. A slow or hung subgraph can
delay the other requests by at most ``hold`` each time a slot turns over, never stall them;
but while slots are given up that way, new executions start at most ``count / hold`` per
second. Off by default: a deployment whose subgraphs answer in tens of milliseconds would
be limited by that rate, not helped.

Only the execution is slotted: parsing, validation, the access gate and planning come before
it, and requests joining an identical in-flight query (inbound de-duplication) take none.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

V = TypeVar("V")


class ExecutionSlots:
    __slots__ = ("_free", "hold", "count")

    def __init__(self, count: int, hold: float) -> None:
        if count < 1 or hold <= 0:
            raise ValueError("execution slots need count >= 1 and hold > 0")
        self.count = count
        self.hold = hold
        self._free = asyncio.Semaphore(count)

    async def run(self, work: Callable[[], Awaitable[V]]) -> V:
        """``work()`` once a slot is free; the slot is given back when it ends or after
        ``hold`` seconds, whichever comes first."""
        free = self._free
        await free.acquire()
        released = False

        def release() -> None:
            nonlocal released
            if not released:
                released = True
                free.release()

        timer = asyncio.get_running_loop().call_later(self.hold, release)
        try:
            return await work()
        finally:
            timer.cancel()
            release()
