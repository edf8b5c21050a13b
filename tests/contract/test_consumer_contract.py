"""The consumer loop on both backends: dead-lettering, effects-once, resume after commit."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable

import orjson

from services.kit.backoff import Backoff
from services.kit.consumer import EventConsumer
from services.kit.envelope import Event, EventSchemas, encode
from services.kit.ports import DocumentStore, EventLog, LogRecord
from services.kit.store.processed import ProcessedIds
from tests.contract.conftest import permit_event
from tests.contract.test_eventlog_contract import drain


async def run_until(
    consumer: EventConsumer, done: Callable[[], bool], timeout_s: float = 30
) -> None:
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        async with asyncio.timeout(timeout_s):
            while not done():  # noqa: ASYNC110 - polls a test condition
                await asyncio.sleep(0.05)
    finally:
        stop.set()
        await task


async def test_malformed_events_are_dead_lettered_and_the_consumer_goes_on(
    event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    good = [permit_event("p-1", v) for v in (1, 2)]
    bad_data = permit_event("p-1", 3) | {"data": {"status": 42}}
    await event_log.publish_many(
        topic,
        [
            ("p-1", encode(good[0])),
            ("p-1", b"{not json"),
            ("p-1", encode(bad_data)),
            ("p-1", encode({"specversion": "1.0"})),
            ("p-1", encode(good[1])),
        ],
    )
    handled: list[str] = []

    async def handler(event: Event, record: LogRecord) -> None:
        handled.append(event["id"])

    consumer = EventConsumer(
        event_log, [topic], group="ledger", handler=handler, schemas=schemas, poll_timeout_s=0.2
    )
    await run_until(consumer, lambda: len(handled) == 2 and consumer.dead_lettered == 3)
    assert handled == [good[0]["id"], good[1]["id"]]
    async with event_log.subscribe([f"{topic}.dlq"]) as sub:
        letters = [orjson.loads(r.value) for r in await drain(sub, 3)]
    assert [base64.b64decode(d["raw"]) for d in letters][0] == b"{not json"
    assert [d["offset"] for d in letters] == [1, 2, 3]
    assert all(d["topic"] == topic and d["group"] == "ledger" for d in letters)
    assert "not JSON" in letters[0]["reason"] and "status" in letters[1]["reason"]
    # everything (good and bad) was committed: a restart handles nothing again
    again = EventConsumer(
        event_log, [topic], group="ledger", handler=handler, schemas=schemas, poll_timeout_s=0.2
    )
    stop = asyncio.Event()
    task = asyncio.create_task(again.run(stop))
    await asyncio.sleep(1.5)
    stop.set()
    await task
    assert handled == [good[0]["id"], good[1]["id"]] and again.dead_lettered == 0


async def test_duplicate_deliveries_have_effects_once(
    store: DocumentStore, event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    events = [permit_event(f"p-{i}", 1) for i in range(5)]
    for _ in range(2):  # e.g. a relay that crashed before acking
        await event_log.publish_many(topic, [(e["subject"], encode(e)) for e in events])
    processed = ProcessedIds(store)
    effects: list[str] = []
    seen = 0

    async def handler(event: Event, record: LogRecord) -> None:
        nonlocal seen
        seen += 1
        if await processed.mark(event["id"]):
            effects.append(event["subject"])

    consumer = EventConsumer(
        event_log, [topic], group="effects", handler=handler, schemas=schemas, poll_timeout_s=0.2
    )
    await run_until(consumer, lambda: seen == 10)
    assert sorted(effects) == [f"p-{i}" for i in range(5)]


async def test_a_failing_handler_is_retried_then_dead_lettered(
    event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    poison, fine = permit_event("p-1", 1), permit_event("p-1", 2)
    await event_log.publish_many(topic, [("p-1", encode(poison)), ("p-1", encode(fine))])
    attempts: list[str] = []

    async def handler(event: Event, record: LogRecord) -> None:
        attempts.append(event["id"])
        if event["id"] == poison["id"]:
            raise ValueError("cannot apply")

    consumer = EventConsumer(
        event_log,
        [topic],
        group="retry",
        handler=handler,
        schemas=schemas,
        handler_attempts=3,
        poll_timeout_s=0.2,
        dead_letter_topic=f"{topic}.retry.dlq",
        backoff=Backoff(initial=0.01, maximum=0.05),
    )
    await run_until(consumer, lambda: fine["id"] in attempts)
    assert attempts == [poison["id"]] * 3 + [fine["id"]]
    async with event_log.subscribe([f"{topic}.retry.dlq"]) as sub:
        (letter,) = await drain(sub, 1)
    assert "cannot apply" in orjson.loads(letter.value)["reason"]
