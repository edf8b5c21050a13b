"""Replicated services: the pull runs on exactly one replica (the leader lease); when that
replica stops without releasing it, another takes the lease, reloads the cursors and pulls
what changed meanwhile. Two full runtimes (open_runtime) on one embedded store and log."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

from services.kit.backends import BackendSettings
from services.kit.lease import LeaseSettings
from services.kit.metrics import service_metrics
from services.kit.runtime import ServiceRuntime, open_runtime
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.testing import eventually, serve_app
from services.licensing.bootstrap import SPEC
from tests.unit.conftest import FakeClock

PERMITS = SPEC.entities[0]


def settings(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path, log_partitions=4),
        db="test_licensing",
        replicated=True,
        poll_interval_s=0.05,
        reconcile_interval_s=0,
        lease=LeaseSettings(ttl_s=1.0, margin_s=0.2, poll_s=0.05),
    )


async def _in_store(rt: ServiceRuntime, sim: Simulator) -> bool:
    upstream = sim.table(PERMITS.resource).changed_since(None)
    docs = await rt.collection(PERMITS.collection).get_many(
        [str(r["no_permohonan"]) for r in upstream]
    )
    return all(
        (d := docs.get(str(r["no_permohonan"]))) is not None
        and d[PERMITS.mapping.revision] == r["versi"]
        for r in upstream
    )


async def test_one_replica_leads_the_pull_and_another_takes_over_when_it_stops(
    tmp_path: Path, clock: FakeClock
) -> None:
    sim = Simulator(SPEC.workflow, seed=11)
    s = settings(tmp_path)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url,
        contextlib.AsyncExitStack() as first,
        contextlib.AsyncExitStack() as second,
    ):
        a = await first.enter_async_context(open_runtime(SPEC, s, url, clock=clock))
        b = await second.enter_async_context(open_runtime(SPEC, s, url, clock=clock))
        await eventually(lambda: _in_store(a, sim), timeout_s=30, what="every permit stored")

        async def one_leader() -> bool:
            return [a.leader.valid(), b.leader.valid()].count(True) == 1  # type: ignore[union-attr]

        await eventually(one_leader, timeout_s=10, what="exactly one leader")
        assert a.leader is not None and b.leader is not None
        leader, stack, other = (a, first, b) if a.leader.valid() else (b, second, a)
        epoch = leader.leader.epoch  # type: ignore[union-attr]
        await stack.aclose()  # the leader stops without releasing its lease (as if killed)
        changed = [sim.act_randomly() for _ in range(30)]
        assert any(changed)

        async def other_leads() -> bool:
            return bool(other.leader and other.leader.valid())

        await eventually(other_leads, timeout_s=20, what="the other replica leads")
        assert other.leader.epoch == (epoch or 0) + 1  # type: ignore[union-attr]
        await eventually(
            lambda: _in_store(other, sim), timeout_s=30, what="the changes pulled by the new leader"
        )


async def test_a_push_to_a_replica_is_forwarded_and_applied_by_its_owner(
    tmp_path: Path, clock: FakeClock
) -> None:
    sim = Simulator(SPEC.workflow, seed=11)
    s = settings(tmp_path).model_copy(update={"pull": False})
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url,
        open_runtime(SPEC, s, url, clock=clock) as a,
        open_runtime(SPEC, s, url, clock=clock) as b,
    ):
        await eventually(lambda: asyncio.sleep(0, a.prepared.is_set() and b.prepared.is_set()))
        records = sim.table(PERMITS.resource).changed_since(None)[:40]
        result = await a.push(PERMITS.resource, records)
        assert (result.forwarded, result.applied) == (40, 0)

        async def applied() -> bool:
            docs = await b.collection(PERMITS.collection).get_many(
                [str(r["no_permohonan"]) for r in records]
            )
            return len(docs) == 40

        await eventually(applied, timeout_s=30, what="the pushed records applied")
        metrics = {
            sample.name: sample.value
            for family in service_metrics(a, 0.0)
            for sample in family.samples
        }
        assert metrics["rumah_intake_forwarded_total"] == 40
        assert metrics["rumah_intake_refused_total"] == 0
        assert "rumah_service_leader" in metrics
