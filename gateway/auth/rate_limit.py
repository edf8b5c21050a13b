"""Per-principal rate limits: a token bucket per key (a principal, or the address of a
client whose credentials keep failing), refilled at ``rate`` per second up to ``burst``.

``take(key)`` spends one token and returns 0.0, or returns how many seconds until one is
available (``Retry-After``) and spends nothing. At most ``max_keys`` buckets are kept: a key
that has been quiet long enough to refill completely loses nothing by being forgotten.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate, self.burst, self.max_keys, self.clock = rate, float(burst), max_keys, clock
        self.enabled = rate > 0
        self._buckets: dict[Hashable, tuple[float, float]] = {}  # key → (tokens, at)

    def _tokens(self, key: Hashable, now: float) -> float:
        found = self._buckets.get(key)
        if found is None:
            return self.burst
        tokens, at = found
        return min(self.burst, tokens + (now - at) * self.rate)

    def wait(self, key: Hashable) -> float:
        """Seconds until ``key`` may go (0.0: now), spending nothing."""
        if not self.enabled or key not in self._buckets:
            return 0.0
        tokens = self._tokens(key, self.clock())
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) / self.rate

    def take(self, key: Hashable) -> float:
        """Spend one token for ``key``: 0.0, or the seconds to wait (nothing spent)."""
        if not self.enabled:
            return 0.0
        now = self.clock()
        tokens = self._tokens(key, now)
        if tokens < 1.0:
            return (1.0 - tokens) / self.rate
        buckets = self._buckets
        buckets[key] = (tokens - 1.0, now)
        if len(buckets) > self.max_keys:
            self._forget_full(now)
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (forgetting them changes nothing); if every
        bucket is still draining, the oldest half."""
        rate, burst = self.rate, self.burst
        full = [k for k, (t, at) in self._buckets.items() if t + (now - at) * rate >= burst]
        for key in full:
            del self._buckets[key]
        if len(self._buckets) > self.max_keys:
            for key in list(self._buckets)[: len(self._buckets) // 2]:
                del self._buckets[key]


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
