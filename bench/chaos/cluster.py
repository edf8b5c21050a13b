"""Engine faults during a burst of upstream changes, node by node: one Kafka broker of the
cluster SIGKILLed (the others keep taking writes: acks=all, min.insync.replicas=2), the active
KRaft controller, the broker leading most partitions, the store engine (FerretDB and its
PostgreSQL), and a broker killed while the store is frozen (the original incident: a lost
approval).

Every scenario runs one licensing service, its simulator and the ledger (``bench.chaos.rig``),
drives ``size.changes`` changes at ``size.rate`` per second, injects its fault a quarter of the
way in, keeps the engine down for ``size.outage_s`` while the burst goes on, brings it back and
measures how long until events flow again; then ``bench.chaos.verdict`` counts and checks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from bench.chaos.registry import Env, Outcome, Size, register
from bench.chaos.rig import Rig, open_rig
from bench.chaos.verdict import settle
from infra import faults
from infra.kafka_cluster import KafkaCluster
from services.licensing.bootstrap import SPEC

RECOVERY_TIMEOUT_S = 180.0
# A broker's outage outlasts the cluster's fencing of it (broker.session.timeout.ms, 9 s),
# so events are seen flowing through the two others while it is down.
BROKER_SIZES = {
    "test": Size(changes=500, rate=20, outage_s=14),
    "quick": Size(changes=1500, rate=40, outage_s=15),
    "full": Size(changes=4000, rate=40, outage_s=40),
}
STORE_SIZES = {
    "test": Size(changes=400, rate=20, outage_s=6),
    "quick": Size(changes=1500, rate=40, outage_s=15),
    "full": Size(changes=4000, rate=40, outage_s=30),
}
# the original incident: 40 changes/s, the broker back (and the store thawed) after 40 s
FROZEN_SIZES = {**BROKER_SIZES, "test": Size(changes=500, rate=20, outage_s=12)}

Fault = Callable[[Env, Rig, Size, dict[str, Any]], Awaitable[list[float]]]


def _topics(rig: Rig) -> list[str]:
    return [rig.spec.topic(family, rig.prefix) for family in rig.spec.event_families]


def _cluster(env: Env) -> KafkaCluster:
    """The local Kafka: three nodes in ``make test``; on a single node (``make bench``'s
    default) the victim is that node, so events cannot flow until it returns."""
    return KafkaCluster(env.engines)


@contextlib.asynccontextmanager
async def _watched(rig: Rig) -> AsyncIterator[None]:
    task = asyncio.create_task(rig.watch())
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _under_burst(env: Env, size: Size, name: str, fault: Fault) -> Outcome:
    async with open_rig(env.backends, SPEC) as rig, _watched(rig):
        notes: dict[str, Any] = {"changes": size.changes, "rate": size.rate}
        burst = asyncio.create_task(rig.burst(size.changes, size.rate))
        try:
            await rig.until_changes(size.changes // 4)
            faulted = time.monotonic()
            recoveries = await fault(env, rig, size, notes)
            await burst
        finally:
            if not burst.done():
                burst.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await burst
        outcome = await settle(rig, name, recoveries=recoveries, notes=notes)
        # from the fault to the end: the longest time events waited and none was relayed
        outcome.notes["max_stall_s"] = round(rig.longest_stall(faulted, time.monotonic()), 2)
        return outcome


async def _broker_down(
    env: Env,
    rig: Rig,
    size: Size,
    notes: dict[str, Any],
    victim: int,
    *,
    store_frozen: bool = False,
    while_down: Callable[[], Awaitable[None]] | None = None,
) -> list[float]:
    """SIGKILL node ``victim``, keep it down ``size.outage_s`` (the store frozen meanwhile,
    if asked; ``while_down`` run first), start it again; how long until events flowed after
    its return."""
    cluster = _cluster(env)
    notes["nodes"] = len(cluster.node_ids)
    notes["victim"] = cluster.name(victim)
    topics = _topics(rig)
    freezer = faults.frozen(env.engines, "ferretdb") if store_frozen else contextlib.nullcontext()
    async with freezer:
        await cluster.kill(victim)
        down = time.monotonic()
        if while_down is not None:
            await while_down()
        await asyncio.sleep(max(0.0, size.outage_s - (time.monotonic() - down)))
    thawed = time.monotonic()
    if not store_frozen:  # with the store frozen nothing could be written, let alone relayed
        # two brokers of three take writes (acks=all, min ISR 2) once the dead one's
        # partitions have new leaders (it is fenced after broker.session.timeout.ms)
        notes["relayed_while_down"] = int(rig.flowed_between(down, thawed))
        notes["max_stall_while_down_s"] = round(rig.longest_stall(down, thawed), 2)
    await cluster.start(victim)
    back = time.monotonic()
    notes["down_s"] = round(back - down, 1)
    recovery = await rig.flowing_again(back, RECOVERY_TIMEOUT_S, size.rate)
    await cluster.wait_in_sync(topics)
    notes["in_sync_after_s"] = round(time.monotonic() - back, 1)
    return [recovery]


@register("broker-killed", **BROKER_SIZES)
async def broker_killed(env: Env, size: Size) -> Outcome:
    """One broker of three (neither the controller nor the busiest leader when there is a
    choice) SIGKILLed during the burst: the two others keep taking writes."""

    async def fault(env: Env, rig: Rig, size: Size, notes: dict[str, Any]) -> list[float]:
        cluster = _cluster(env)
        spared = {cluster.controller(), await cluster.busiest_leader(_topics(rig))}
        victim = max([n for n in cluster.node_ids if n not in spared] or cluster.node_ids)
        return await _broker_down(env, rig, size, notes, victim)

    return await _under_burst(env, size, "broker-killed", fault)


@register("controller-killed", **BROKER_SIZES)
async def controller_killed(env: Env, size: Size) -> Outcome:
    """The active KRaft controller SIGKILLed during the burst; a new one is elected."""

    async def fault(env: Env, rig: Rig, size: Size, notes: dict[str, Any]) -> list[float]:
        cluster = _cluster(env)
        victim = cluster.controller()

        async def elected() -> None:
            started = time.monotonic()
            notes["new_controller"] = cluster.name(await cluster.wait_controller(victim))
            notes["elected_after_s"] = round(time.monotonic() - started, 2)

        return await _broker_down(env, rig, size, notes, victim, while_down=elected)

    return await _under_burst(env, size, "controller-killed", fault)


@register("leader-killed", **BROKER_SIZES)
async def leader_killed(env: Env, size: Size) -> Outcome:
    """The broker leading most partitions of the service's topics SIGKILLed during the
    burst: its partitions move to the others."""

    async def fault(env: Env, rig: Rig, size: Size, notes: dict[str, Any]) -> list[float]:
        victim = await _cluster(env).busiest_leader(_topics(rig))
        return await _broker_down(env, rig, size, notes, victim)

    return await _under_burst(env, size, "leader-killed", fault)


@register("store-restarted", **STORE_SIZES)
async def store_restarted(env: Env, size: Size) -> Outcome:
    """FerretDB and the PostgreSQL under it SIGKILLed during the burst and started again:
    the upstream keeps changing; the service catches up from the upstream once the store is
    back (pull by ``updated_since``, webhook retries)."""

    async def fault(env: Env, rig: Rig, size: Size, notes: dict[str, Any]) -> list[float]:
        victims = [g for g in ("ferretdb", "postgres") if g in env.engines.groups]
        notes["victim"] = "+".join(victims)
        for victim in victims:
            await faults.kill(env.engines, victim)
        down = time.monotonic()
        await asyncio.sleep(size.outage_s)
        await env.engines.start("ferretdb")  # PostgreSQL first: FerretDB needs it
        back = time.monotonic()
        notes["down_s"] = round(back - down, 1)
        return [await rig.flowing_again(back, RECOVERY_TIMEOUT_S, size.rate)]

    return await _under_burst(env, size, "store-restarted", fault)


@register("broker-killed-store-frozen", **FROZEN_SIZES)
async def broker_killed_store_frozen(env: Env, size: Size) -> Outcome:
    """The original incident: the broker leading most partitions SIGKILLed while FerretDB
    is frozen (SIGSTOP: it accepts connections and answers nothing, so writes time out, and
    some of them are executed after the thaw); the store thawed and the broker started
    again after ``size.outage_s``. The canonical copy must equal the upstream record by
    record, and every version change have exactly one event in the ledger."""

    async def fault(env: Env, rig: Rig, size: Size, notes: dict[str, Any]) -> list[float]:
        victim = await _cluster(env).busiest_leader(_topics(rig))
        return await _broker_down(env, rig, size, notes, victim, store_frozen=True)

    return await _under_burst(env, size, "broker-killed-store-frozen", fault)
