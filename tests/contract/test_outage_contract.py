"""Engine outages on the real backends: nothing is lost, nothing hangs, service recovers."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import pytest

from infra.engines import Engines
from services.kit.consumer import EventConsumer
from services.kit.envelope import Event, EventSchemas
from services.kit.outbox import OutboxRelay
from services.kit.ports import DocumentStore, EventLog, LogRecord, LogUnavailable, StoreUnavailable
from services.kit.readiness import Readiness
from tests.contract.test_outbox_contract import write_history

pytestmark = pytest.mark.integration


@pytest.fixture
def backend() -> str:
    return "kafka"  # outages only exist for the real engines


async def wait_for(
    condition: Callable[[], Any], timeout_s: float, what: str | Callable[[], str]
) -> None:
    deadline = time.monotonic() + timeout_s
    while not await condition():  # noqa: ASYNC110 - polls the real engines
        if time.monotonic() >= deadline:
            raise AssertionError(
                f"timed out waiting for {what if isinstance(what, str) else what()}"
            )
        await asyncio.sleep(0.2)


async def test_events_wait_in_the_outbox_while_the_broker_is_down(
    store: DocumentStore,
    event_log: EventLog,
    schemas: EventSchemas,
    new_topic: Callable[[], str],
    engines: Engines,
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 3)
    received: list[Event] = []

    async def handler(event: Event, record: LogRecord) -> None:
        received.append(event)

    consumer = EventConsumer(
        event_log,
        [topic],
        group="outage-ledger",
        handler=handler,
        schemas=schemas,
        poll_timeout_s=0.5,
    )
    stop = asyncio.Event()
    consuming = asyncio.create_task(consumer.run(stop))
    try:
        async with OutboxRelay(store, event_log, poll_interval_s=0.5) as relay:
            await write_history(store, schemas, topic, entities=4, versions=2)
            # at least once: a rebalance or a retried publish may hand an event over twice
            await wait_for(
                lambda: _true(len({e["id"] for e in received}) == 8),
                60,
                lambda: (
                    f"events before the outage ({len(received)} received, "
                    f"{len({e['id'] for e in received})} distinct, {relay.relayed} relayed)"
                ),
            )

            await engines.stop("kafka")
            started = time.monotonic()
            with pytest.raises(LogUnavailable):
                await event_log.publish(topic, "k", b"x")
            assert time.monotonic() - started < 20  # bounded, never a hang

            # The service keeps writing while the broker is down: events wait in the outbox.
            permits = store.collection("permits")
            for i in range(4):
                for v in (3, 4, 5):
                    entry = schemas.outbox_entry(topic, _event(i, v))
                    await permits.put(
                        {"_id": f"p-{i}", "v": v}, expected_version=v - 1, outbox=[entry]
                    )
            await asyncio.sleep(2)
            assert sum(len(p.entries) for p in await store.outbox_pending()) == 12
            assert relay.relayed == 8

            await engines.start("kafka")
            await wait_for(lambda: _empty_outbox(store), 120, "the relay to drain the outbox")
        await wait_for(lambda: _true(len({e["id"] for e in received}) == 20), 120, "consumer")
    finally:
        stop.set()
        await consuming

    first: dict[str, Event] = {}
    for event in received:
        first.setdefault(event["id"], event)
    per_entity: dict[str, list[int]] = {}
    for event in first.values():
        per_entity.setdefault(event["subject"], []).append(event["entityversion"])
    assert per_entity == {f"p-{i}": [1, 2, 3, 4, 5] for i in range(4)}


async def test_store_calls_fail_fast_while_ferretdb_is_down_and_recover(
    store: DocumentStore, event_log: EventLog, engines: Engines
) -> None:
    permits = store.collection("permits")
    await permits.put({"_id": "p-1", "s": "a"}, expected_version=0)
    async with Readiness(
        {"store": store.ping, "log": event_log.ping}, interval_s=0.5, retry_max_s=1.0
    ) as readiness:
        assert await readiness.wait_ready(30)
        await engines.stop("ferretdb")
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await permits.get("p-1")
        assert time.monotonic() - started < 15
        await wait_for(lambda: _true(not readiness.ready), 30, "not ready")
        assert set(readiness.state.reasons) == {"store"}

        await engines.start("ferretdb")
        assert await readiness.wait_ready(60)
        assert await permits.put({"_id": "p-1", "s": "b"}, expected_version=1) == 2


def _event(i: int, version: int) -> Event:
    from tests.contract.conftest import permit_event

    return permit_event(f"p-{i}", version, f"s{version}")


async def _true(value: bool) -> bool:
    return value


async def _empty_outbox(store: DocumentStore) -> bool:
    try:
        return await store.outbox_pending() == []
    except StoreUnavailable:
        return False
