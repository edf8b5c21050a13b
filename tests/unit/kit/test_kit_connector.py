"""The pull connector against a simulated upstream over HTTP, on the embedded store."""

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from services.kit.connector import Puller, UpstreamError
from services.kit.runtime import ServiceRuntime
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.testing import pending_events, serve_app
from services.licensing.bootstrap import SPEC

PERMITS = SPEC.entities[0]


@pytest.fixture
async def wired(open_rt: Any) -> AsyncIterator[tuple[Simulator, ServiceRuntime, Puller]]:
    sim = Simulator(SPEC.workflow, seed=5)
    async with serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url:
        async with (
            open_rt(SPEC) as rt,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=1)) as http,
        ):
            assert rt.cursors is not None
            yield (
                sim,
                rt,
                Puller(http, url, SPEC.upstream, rt.ingestor, rt.sync, rt.cursors, rt.clock, 7),
            )


async def test_pull_is_incremental_and_misses_nothing(
    wired: tuple[Simulator, ServiceRuntime, Puller],
) -> None:
    sim, rt, puller = wired
    first = await puller.pull(PERMITS)
    total = len(sim.table("permohonan").records)
    assert first.applied == total  # 7 per page, paged by cursor
    assert await rt.collection("permit").count() == total
    again = await puller.pull(PERMITS)
    assert again.applied == 0
    [(_, changed)] = sim.act("verifikasi")
    moved = await puller.pull(PERMITS)
    assert moved.applied == 1 and moved.events == 1
    doc = await rt.collection("permit").get(changed["no_permohonan"])
    assert doc["status"] == "verified"
    status_events = [
        e for e in await pending_events(rt.store) if e["type"].endswith("status_changed")
    ]
    assert len(status_events) == total + 1
    assert rt.sync.of("permohonan").reachable is True


async def test_the_cursor_survives_a_restart(
    wired: tuple[Simulator, ServiceRuntime, Puller],
) -> None:
    sim, rt, puller = wired
    await puller.pull(PERMITS)
    cursor = rt.sync.of("permohonan").cursor
    rt.sync.resources.clear()
    assert rt.cursors is not None
    await rt.cursors.load(rt.sync, ["permohonan"])
    assert rt.sync.of("permohonan").cursor == cursor


async def test_a_down_upstream_is_reported_then_recovered(
    wired: tuple[Simulator, ServiceRuntime, Puller],
) -> None:
    sim, rt, puller = wired
    sim.faults.down = True
    with pytest.raises(UpstreamError, match="503"):
        await puller.pull(PERMITS)
    rs = rt.sync.of("permohonan")
    assert rs.reachable is False and rs.consecutive_failures == 1 and "503" in (rs.last_error or "")
    sim.faults.down, sim.faults.delay_s = False, 1.5
    with pytest.raises(UpstreamError, match="Timeout"):
        await puller.pull(PERMITS)
    sim.faults.delay_s = 0
    await puller.pull(PERMITS)
    assert rs.reachable is True and rs.consecutive_failures == 0 and rs.error_count == 2
