"""Per-principal rate limits: a token bucket per key (a principal, or the address of a
client whose credentials keep failing), refilled at ``rate`` per second up to ``burst``.

``take(key)`` spends one token and returns 0.0, or returns how many seconds until one is
available (``Retry-After``) and spends nothing. At most ``max_keys`` buckets are kept: a key
that has been quiet long enough to refill completely loses nothing by being forgotten.

Kept as the generic cell rate algorithm (GCRA), the token bucket's exact equivalent with one
number per key: the *theoretical arrival time* ``tat`` at which the bucket is full again. A
request at ``now`` may go when ``tat + 1/rate - now <= burst/rate`` (at least one token
left), and then ``tat`` moves on by ``1/rate``. One dict lookup, one store and a clock read
per request: this runs on every authenticated request.

Runs compiled by mypyc when ``make install`` built it from this very source
(``gateway/auth/native.py``), else as it is: keep it fully typed.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Hashable, Mapping

_EPSILON = 1e-9  # float slack: exactly ``burst`` requests at one instant must all pass


class RateLimiter:
    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        max_keys: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if rate > 0 and burst < 1:  # a new key's bucket starts with one token spent
            raise ValueError(f"a rate limit needs a burst of at least 1, got {burst}")
        self.rate, self.burst, self.max_keys, self.clock = rate, float(burst), max_keys, clock
        self._enabled = rate > 0
        self._interval = 1.0 / rate if rate > 0 else 0.0  # seconds one token takes to refill
        self._window = self._interval * self.burst + _EPSILON  # a full bucket, in seconds
        self._buckets: dict[Hashable, float] = {}  # key → tat (full again at that moment)
        # the keys that have a bucket (read it, never change it): a key not in it may go,
        # which a caller can ask without a call (``key in limiter.holding``)
        self.holding: Mapping[Hashable, float] = self._buckets

    @property
    def enabled(self) -> bool:
        """Whether it limits at all (a rate above 0): fixed when it is made."""
        return self._enabled

    def wait(self, key: Hashable) -> float:
        """Seconds until ``key`` may go (0.0: now), spending nothing. A bucket found full
        again is forgotten (which changes nothing), so ``holding`` empties as keys go quiet."""
        buckets = self._buckets
        tat = buckets.get(key)
        if tat is None or not self._enabled:
            return 0.0
        now = self.clock()
        if tat <= now:
            del buckets[key]
            return 0.0
        late = tat + self._interval - now - self._window
        return late if late > 0.0 else 0.0

    def take(self, key: Hashable) -> float:
        """Spend one token for ``key``: 0.0, or the seconds to wait (nothing spent)."""
        if not self._enabled:
            return 0.0
        now = self.clock()
        buckets = self._buckets
        tat = buckets.get(key)
        if tat is None:  # a new key: a full bucket (the bound is checked only here)
            buckets[key] = now + self._interval
            if len(buckets) > self.max_keys:
                self._forget_full(now)
            return 0.0
        after = (tat if tat > now else now) + self._interval
        if after - now > self._window:
            return after - now - self._window
        buckets[key] = after
        return 0.0

    def _forget_full(self, now: float) -> None:
        """Drop the buckets that have refilled (forgetting them changes nothing); if every
        bucket is still draining, the oldest half."""
        buckets = self._buckets
        for key in [k for k, tat in buckets.items() if tat <= now]:
            del buckets[key]
        if len(buckets) > self.max_keys:
            for key in list(buckets)[: len(buckets) // 2]:
                del buckets[key]


def retry_after(seconds: float) -> str:
    """The ``Retry-After`` value: whole seconds, at least 1."""
    return str(max(1, math.ceil(seconds)))
