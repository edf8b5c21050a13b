"""Capped backoff and the readiness component."""

from __future__ import annotations

import asyncio
import logging

import pytest

from services.kit.backoff import Backoff
from services.kit.readiness import Readiness


def test_backoff_grows_to_its_cap_with_jitter_and_resets() -> None:
    b = Backoff(initial=0.1, maximum=1.0)
    delays = [b.next_delay() for _ in range(12)]
    assert 0.05 <= delays[0] <= 0.1
    assert all(0.5 <= d <= 1.0 for d in delays[5:])
    assert len({round(d, 6) for d in delays[5:]}) > 1  # jittered
    b.reset()
    assert b.next_delay() <= 0.1


async def test_backoff_wait_returns_early_on_stop() -> None:
    stop = asyncio.Event()
    stop.set()
    assert await Backoff(initial=10, maximum=10).wait(stop) is True


class Flaky:
    def __init__(self) -> None:
        self.up = False
        self.calls = 0

    async def __call__(self) -> None:
        self.calls += 1
        if not self.up:
            raise ConnectionError("engine down")


async def test_readiness_reports_reasons_and_recovers_with_one_log_line_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store, upstream = Flaky(), Flaky()
    store.up = True

    async def ok() -> None:
        return None

    caplog.set_level(logging.WARNING, "rumah.readiness")
    async with Readiness(
        {"store": store, "log": ok}, interval_s=0.05, retry_initial_s=0.02, retry_max_s=0.05
    ) as ready:
        ready.add_probe("upstream", upstream)
        assert not await ready.wait_ready(0.5)
        assert ready.state.as_dict() == {
            "ready": False,
            "failing": {"upstream": "ConnectionError: engine down"},
        }
        calls_while_down = upstream.calls
        await asyncio.sleep(0.3)
        assert 2 <= upstream.calls - calls_while_down <= 20  # retried, but no busy loop
        upstream.up = True
        assert await ready.wait_ready(2)
    lines = [r.msg for r in caplog.records if getattr(r, "probe", None) == "upstream"]
    assert lines == ["readiness.down", "readiness.up"]
    store_lines = [r.msg for r in caplog.records if getattr(r, "probe", None) == "store"]
    assert store_lines == ["readiness.up"]  # once, when first found up


async def test_a_hanging_probe_counts_as_failed() -> None:
    async def hang() -> None:
        await asyncio.sleep(60)

    ready = Readiness({"store": hang}, probe_timeout_s=0.05)
    state = await ready.check_once()
    assert not state.ready and "no answer" in state.reasons["store"]
