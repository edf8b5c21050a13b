"""A licensing runtime on the embedded backends (behind ``FaultyStore``) wired to its
simulated upstream over HTTP through a real ``Puller``: what the no-loss and reconciliation
tests drive."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import aiohttp

from services.kit.backends import open_backends
from services.kit.connector import Puller
from services.kit.runtime import Clock, ServiceRuntime, build_runtime
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.testing import serve_app
from services.licensing.bootstrap import SPEC
from tests.unit.services.faulty_store import Faults, FaultyStore

PAGE_SIZE = 7  # small pages: every pass pages


@dataclass
class Wired:
    sim: Simulator
    rt: ServiceRuntime
    puller: Puller
    faults: Faults


@contextlib.asynccontextmanager
async def open_wired(
    settings: ServiceSettings, clock: Clock, seed: int = 11
) -> AsyncIterator[Wired]:
    sim = Simulator(SPEC.workflow, seed=seed)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url,
        open_backends(settings.backends, db="test_licensing") as (store, log),
        aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http,
    ):
        faulty = FaultyStore(store)
        rt = build_runtime(SPEC, settings, faulty, log, clock)
        await rt.prepare()
        assert rt.cursors is not None
        puller = Puller(
            http, url, SPEC.upstream, rt.ingestor, rt.sync, rt.cursors, rt.clock, PAGE_SIZE
        )
        yield Wired(sim, rt, puller, faulty.faults)
