"""Capped exponential backoff with full jitter, shared by the relay, consumers and readiness,
and ``until_prepared``: a process's start-up step retried while an engine is down."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from services.kit.ports import PortError

T = TypeVar("T")


@dataclass(slots=True)
class Backoff:
    """Delays ``initial * factor**n`` capped at ``maximum``, each drawn in ``[d/2, d]``.

    >>> b = Backoff(initial=0.1, maximum=5.0)
    >>> 0.05 <= b.next_delay() <= 0.1
    True
    """

    initial: float = 0.1
    maximum: float = 5.0
    factor: float = 2.0
    attempts: int = field(default=0, init=False)

    def next_delay(self) -> float:
        """The next delay to wait, in seconds; grows until ``maximum``."""
        ceiling = min(self.maximum, self.initial * self.factor**self.attempts)
        # Stop growing the exponent once capped so it never overflows.
        if ceiling < self.maximum:
            self.attempts += 1
        # Half-jitter: spreads retries of many clients without ever waiting ~0.
        return ceiling / 2 + random.random() * ceiling / 2

    def reset(self) -> None:
        """Start again from ``initial`` (after a success)."""
        self.attempts = 0

    async def wait(self, stop: asyncio.Event | None = None) -> bool:
        """Sleep the next delay; return True early if ``stop`` is set meanwhile."""
        delay = self.next_delay()
        if stop is None:
            await asyncio.sleep(delay)
            return False
        try:
            await asyncio.wait_for(stop.wait(), delay)
        except TimeoutError:
            return False
        return True


async def until_prepared(
    prepare: Callable[[], Awaitable[T]], log: logging.Logger, event: str, extra: Mapping[str, str]
) -> T:
    """``prepare()`` retried with backoff while an engine is unreachable (``PortError``):
    starting never fails because the store or the log is down."""
    backoff = Backoff(initial=0.2, maximum=5.0)
    while True:
        try:
            return await prepare()
        except PortError as exc:
            log.warning(event, extra={**extra, "reason": repr(exc)})
            await backoff.wait()
