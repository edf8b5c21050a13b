"""The consumer's batch mode on both backends: one call per poll, DLQ for malformed records,
poison events isolated, nothing committed past a batch that waits for an engine."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import pytest

from services.kit.backoff import Backoff
from services.kit.consumer import EventConsumer
from services.kit.envelope import Event, EventSchemas, encode
from services.kit.ports import EventLog, LogRecord, StoreUnavailable
from tests.contract.conftest import permit_event
from tests.contract.test_consumer_contract import run_until

Batch = Sequence[tuple[Event, LogRecord]]


async def test_a_poll_is_handled_in_one_call_and_malformed_records_are_dead_lettered(
    event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    good = [permit_event("p-1", v) for v in range(1, 6)]
    raws = [encode(e) for e in good[:2]] + [b"{oops"] + [encode(e) for e in good[2:]]
    await event_log.publish_many(topic, [("p-1", r) for r in raws])
    calls: list[list[str]] = []

    async def handle(batch: Batch) -> None:
        calls.append([e["id"] for e, _ in batch])

    consumer = EventConsumer(
        event_log,
        [topic],
        group="batch",
        batch_handler=handle,
        schemas=schemas,
        poll_timeout_s=0.2,
        max_records=100,
    )
    await run_until(consumer, lambda: consumer.handled == 5 and consumer.dead_lettered == 1)
    assert [i for call in calls for i in call] == [e["id"] for e in good]
    assert len(calls) < 5  # batched, not one call per event


async def test_a_poison_event_is_isolated_and_the_rest_of_its_batch_is_handled(
    event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    events = [permit_event("p-2", v) for v in range(1, 5)]
    poison = events[2]["id"]
    await event_log.publish_many(topic, [("p-2", encode(e)) for e in events])
    handled: list[str] = []

    async def handle(batch: Batch) -> None:
        if any(e["id"] == poison for e, _ in batch):
            raise ValueError("cannot take this one")
        handled.extend(e["id"] for e, _ in batch)

    consumer = EventConsumer(
        event_log,
        [topic],
        group="batch",
        batch_handler=handle,
        schemas=schemas,
        poll_timeout_s=0.2,
        handler_attempts=2,
        backoff=Backoff(initial=0.01, maximum=0.02),
    )
    await run_until(consumer, lambda: consumer.dead_lettered == 1 and len(handled) == 3)
    assert handled == [e["id"] for e in events if e["id"] != poison]


async def test_a_batch_waiting_for_the_store_is_retried_whole_and_committed_after(
    event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    events = [permit_event("p-3", v) for v in range(1, 4)]
    await event_log.publish_many(topic, [("p-3", encode(e)) for e in events])
    failures = 3
    handled: list[str] = []

    async def handle(batch: Batch) -> None:
        nonlocal failures
        if failures:
            failures -= 1
            raise StoreUnavailable("down")
        handled.extend(e["id"] for e, _ in batch)

    consumer = EventConsumer(
        event_log,
        [topic],
        group="batch",
        batch_handler=handle,
        schemas=schemas,
        poll_timeout_s=0.2,
        backoff=Backoff(initial=0.01, maximum=0.02),
    )
    await run_until(consumer, lambda: len(handled) == 3)
    assert handled == [e["id"] for e in events] and consumer.dead_lettered == 0
    again: list[str] = []

    async def record(batch: Batch) -> None:
        again.extend(e["id"] for e, _ in batch)

    second = EventConsumer(
        event_log,
        [topic],
        group="batch",
        batch_handler=record,
        schemas=schemas,
        poll_timeout_s=0.2,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(second.run(stop))
    await asyncio.sleep(1.5)
    stop.set()
    await task
    assert again == []  # committed after the successful batch


def test_exactly_one_handler_kind_is_given(event_log: EventLog, schemas: EventSchemas) -> None:
    with pytest.raises(ValueError):
        EventConsumer(event_log, ["t"], group="g", schemas=schemas)
