"""The clock every process reads: a callable returning an aware UTC ``datetime``.

Components take a ``Clock`` argument (default ``utc_now``) so tests can pass a fake one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
