"""A partition changes hands only after the batch its old owner holds is committed (real
Kafka): the next owner never re-reads records the old one is still handling. This is what
keeps two replicas of a service from writing the same entity at once (docs/replicas.md)."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.ports import LogRecord, Subscription

pytestmark = pytest.mark.integration

HANDLING_S = 5.0  # a slow handler: longer than the heartbeat that reveals the rebalance


async def first_batch(sub: Subscription, most: int = 100, rounds: int = 600) -> list[LogRecord]:
    for _ in range(rounds):
        records = await sub.poll(most, 0.2)
        if records:
            return records
    raise AssertionError("no records came")


async def test_the_next_owner_starts_after_the_batch_its_old_owner_committed(
    kafka_bootstrap: str,
) -> None:
    backends = BackendSettings(backend="kafka", kafka_bootstrap=kafka_bootstrap)
    run = uuid.uuid4().hex[:10]
    topic, group = f"it-handover-{run}", f"it-handover-{run}"
    async with open_backends(backends, db="unused") as (_, log):
        await log.ensure_topic(topic, 2)
        await log.publish_many(topic, [(f"k{i}", str(i).encode()) for i in range(40)])
        async with log.subscribe([topic], group=group) as a:
            held = await first_batch(a, most=10)  # a owns both partitions, holds this batch
            async with log.subscribe([topic], group=group) as b:
                b_first = asyncio.create_task(first_batch(b))  # joining: a rebalance
                await asyncio.sleep(HANDLING_S)  # a still handles its batch meanwhile
                assert not b_first.done() or not {
                    (r.partition, r.offset) for r in b_first.result()
                } & {(r.partition, r.offset) for r in held}
                await a.commit(held)
                await a.poll(100, 0.2)  # a goes on: the rebalance completes
                got = await asyncio.wait_for(b_first, 60)
        overlap = {(r.partition, r.offset) for r in got} & {(r.partition, r.offset) for r in held}
        assert got and not overlap  # b started past what a committed
