"""Background tasks tied to a lifespan: started on entry, cancelled and awaited on exit."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

log = logging.getLogger("rumah.tasks")


@contextlib.asynccontextmanager
async def background(*coros: Coroutine[Any, Any, Any]) -> AsyncIterator[list[asyncio.Task[Any]]]:
    """Run coroutines as tasks for the duration of the block; cancel and await them after."""
    tasks = [asyncio.create_task(c) for c in coros]
    try:
        yield tasks
    finally:
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t


async def every(interval_s: float, job: Callable[[], Awaitable[Any]], *, name: str) -> None:
    """Run ``job`` every ``interval_s`` forever; a failing run is logged, never fatal."""
    while True:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # one bad run must not stop the schedule
            log.warning("periodic_job_failed", extra={"job": name, "error": repr(exc)})
        await asyncio.sleep(interval_s)
