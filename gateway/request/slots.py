"""Execution slots: an adaptive limit on how many plan executions of this process run at once;
the others wait their turn, first come first served (``RUMAH_GATEWAY_EXECUTION_SLOTS``, the
base limit, 0 = no limit; ``RUMAH_GATEWAY_EXECUTION_SLOTS_MAX``, the ceiling it may grow to).

Why: under the heavy bench (50 concurrent heavy queries, one worker) the gateway spent about
1 ms more CPU per request than with 8 at a time. Every live request tree is walked by the
young garbage collections and pushes the others out of the CPU caches, so 50 executions
interleaved cost more than the same 50 run 8 at a time (docs/performance.md). A few
executions at a time keep a CPU-bound worker busy; executions that mostly *wait* on slow
subgraphs need many at a time instead. So the limit adapts, like the adaptive concurrency
limits of Netflix's concurrency-limits library and Envoy, but on the signal that matters
here — whether the worker's event loop is busy:

* Every ``window`` seconds (0.1), at the next execution that starts, the loop thread's CPU
  time over the window is compared with the wall time. If executions had to wait for a slot
  and the loop was busy less than ``LOW`` (75 %) of the time, the executions are waiting on
  I/O, not on the CPU: the limit grows by half (at least one), up to ``ceiling``.
* If the loop was busy more than ``HIGH`` (90 %) of the time and the limit is above its base
  ``count``, it shrinks halfway back (at least one slot), each retired slot leaving as an
  execution gives it back: a CPU-bound worker goes back to a few trees at a time.
* A slot is *soft*: an execution still running ``hold`` seconds after it got its slot gives
  it up and goes on outside the limit, so a hung subgraph can never stall the others.

Only large executions are slotted: an operation whose last answer was smaller than
``min_bytes`` (``RUMAH_GATEWAY_EXECUTION_SLOT_MIN_BYTES``, 16 KiB) runs at once. Small trees
interleave cheaply, and for them waiting costs more than it saves: with every execution
slotted, the 1-subgraph query at 32 connections fell from ~10,400 to ~6,200 req/s and its
gateway CPU per request rose from ~90 to ~140 µs (docs/performance.md).

``ceiling == count`` is a fixed limit (slots still soft). Only the execution is slotted:
parsing, validation, the access gate and planning come before it, and requests joining an
identical in-flight query (inbound de-duplication) take none.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

V = TypeVar("V")

LOW = 0.75  # loop busier than this: more executions would not run much faster
HIGH = 0.9  # loop busier than this: shrink back towards the base


class ExecutionSlots:
    __slots__ = (
        "_free",
        "_retire",
        "_clock",
        "_cpu",
        "_window_at",
        "_cpu_at",
        "_next",
        "_waited",
        "hold",
        "window",
        "count",
        "ceiling",
        "limit",
        "grown",
        "shrunk",
        "waiting",
        "min_bytes",
    )

    def __init__(
        self,
        count: int,
        hold: float,
        ceiling: int | None = None,
        *,
        window: float = 0.1,
        min_bytes: int = 0,
        clock: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.thread_time,
    ) -> None:
        ceiling = count if ceiling is None else ceiling
        if count < 1 or hold <= 0 or window <= 0:
            raise ValueError("execution slots need count >= 1, hold > 0 and window > 0")
        if ceiling < count:
            raise ValueError(f"execution slots: ceiling {ceiling} is below the base {count}")
        self.count = count
        self.ceiling = ceiling
        self.hold = hold
        self.window = window
        # only executions of operations whose last answer had at least so many bytes take a
        # slot (the pipeline asks); smaller ones run at once
        self.min_bytes = min_bytes
        self.limit = count  # slots in circulation (once retirements are done)
        self.grown = 0  # times the limit grew / shrank (for tests and logs)
        self.shrunk = 0
        self.waiting = 0  # executions waiting for a slot now
        self._free = asyncio.Semaphore(count)
        self._retire = 0  # slots to take out as executions give them back
        self._clock, self._cpu = clock, cpu
        self._window_at: float | None = None
        self._cpu_at = 0.0
        self._next = float("-inf")
        self._waited = False

    async def run(self, work: Callable[[], Awaitable[V]]) -> V:
        """``work()`` once a slot is free; the slot is given back when it ends or after
        ``hold`` seconds, whichever comes first."""
        if self.ceiling > self.count:
            now = self._clock()
            if now >= self._next:
                self._adjust(now)
        free = self._free
        if free.locked():
            self._waited = True
            self.waiting += 1
            try:
                await free.acquire()
            finally:
                self.waiting -= 1
        else:
            await free.acquire()
        held = True

        def give_back() -> None:
            nonlocal held
            if held:
                held = False
                if self._retire:
                    self._retire -= 1
                else:
                    free.release()

        timer = asyncio.get_running_loop().call_later(self.hold, give_back)
        try:
            return await work()
        finally:
            timer.cancel()
            give_back()

    def _adjust(self, now: float) -> None:
        cpu = self._cpu()
        start, cpu_start = self._window_at, self._cpu_at
        self._window_at, self._cpu_at, self._next = now, cpu, now + self.window
        waited, self._waited = self._waited or self.waiting > 0, False
        if start is None or now - start > 10 * self.window:
            return  # first look, or after a quiet spell: a fresh window, no judgement
        busy = (cpu - cpu_start) / (now - start)
        if waited and busy < LOW and self.limit < self.ceiling:
            add = min(self.ceiling - self.limit, max(1, self.limit // 2))
            self.limit += add
            self.grown += 1
            back = min(add, self._retire)  # slots about to retire stay instead
            self._retire -= back
            for _ in range(add - back):
                self._free.release()
        elif busy > HIGH and self.limit > self.count:
            cut = max(1, (self.limit - self.count) // 2)
            self.limit -= cut
            self.shrunk += 1
            self._retire += cut
