"""The event-log contract, run against the local SQLite log and against Kafka."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable

from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import EventLog, LogRecord, StartAt, Subscription


async def drain(sub: Subscription, expected: int, timeout_s: float = 20.0) -> list[LogRecord]:
    """Poll until ``expected`` records arrived (or fail after ``timeout_s``)."""
    out: list[LogRecord] = []
    deadline = time.monotonic() + timeout_s
    while len(out) < expected and time.monotonic() < deadline:
        out.extend(await sub.poll(max_records=500, timeout_s=0.5))
    assert len(out) == expected, f"got {len(out)} of {expected} records"
    return out


async def test_order_per_key_holds_and_offsets_are_contiguous(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 3)
    items = [(f"entity-{i % 7}", f"{i % 7}:{i // 7}".encode()) for i in range(210)]
    positions = await event_log.publish_many(topic, items[:100])
    positions += await event_log.publish_many(topic, items[100:])
    assert len({p.partition for p in positions}) > 1
    async with event_log.subscribe([topic]) as sub:
        records = await drain(sub, 210)
    by_key: dict[str, list[int]] = defaultdict(list)
    by_part: dict[int, list[int]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        by_key[r.key or ""].append(int(r.value.split(b":")[1]))
        by_part[r.partition].append(r.offset)
    assert all(seq == list(range(30)) for seq in by_key.values())
    assert all(offs == list(range(offs[0], offs[0] + len(offs))) for offs in by_part.values())
    one = {r.key: r.partition for r in records}
    assert all(one[r.key] == r.partition for r in records)  # a key stays on one partition


async def test_publish_returns_the_position_of_the_record(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    await event_log.publish_many(topic, [("k", b"first"), ("k", b"second")])
    pos = await event_log.publish(topic, "k", b"third", headers=[("trace", b"\x00\xff")])
    assert (pos.topic, pos.partition, pos.offset) == (topic, 0, 2)
    async with event_log.subscribe([topic], start=StartAt.at_offset(2)) as sub:
        (record,) = await drain(sub, 1)
    assert (record.value, record.key, record.headers) == (b"third", "k", (("trace", b"\x00\xff"),))
    assert abs(record.timestamp_ms - time.time() * 1000) < 60_000


async def test_group_resumes_after_its_last_commit(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    await event_log.publish_many(topic, [("k", str(i).encode()) for i in range(10)])
    async with event_log.subscribe([topic], group="g-resume") as sub:
        first = await drain(sub, 10)
        await sub.commit(first[:4])
    async with event_log.subscribe([topic], group="g-resume") as sub:
        again = await drain(sub, 6)
        await sub.commit()
    assert [r.value for r in again] == [str(i).encode() for i in range(4, 10)]
    await event_log.publish(topic, "k", b"10")
    async with event_log.subscribe([topic], group="g-resume") as sub:
        assert [r.value for r in await drain(sub, 1)] == [b"10"]
    async with event_log.subscribe([topic], group="another-group") as sub:
        assert len(await drain(sub, 11)) == 11  # groups are independent


async def test_uncommitted_records_are_delivered_again(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.publish_many(topic, [(f"k{i}", str(i).encode()) for i in range(5)])
    values = {str(i).encode() for i in range(5)}
    async with event_log.subscribe([topic], group="g-redeliver") as sub:
        await drain_all(sub, values)  # crash before commit
    async with event_log.subscribe([topic], group="g-redeliver") as sub:
        await drain_all(sub, values)  # every one of them again


async def drain_all(sub: Subscription, values: set[bytes], timeout_s: float = 20.0) -> None:
    """Poll until every value in ``values`` arrived (at least once: a group rebalance while
    nothing is committed may hand a partition's records over again — at-least-once)."""
    seen: set[bytes] = set()
    deadline = time.monotonic() + timeout_s
    while seen < values and time.monotonic() < deadline:
        seen |= {r.value for r in await sub.poll(max_records=500, timeout_s=0.5)}
    assert seen == values, f"got {sorted(seen)} of {sorted(values)}"


async def test_replay_from_an_offset_and_seek(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    await event_log.publish_many(topic, [("k", str(i).encode()) for i in range(8)])
    async with event_log.subscribe([topic], start=StartAt.at_offset(5)) as sub:
        assert [r.offset for r in await drain(sub, 3)] == [5, 6, 7]
        await sub.seek(StartAt.at_offset(2))
        assert [r.offset for r in await drain(sub, 6)] == [2, 3, 4, 5, 6, 7]
        await sub.seek(StartAt.earliest())
        assert [r.offset for r in await drain(sub, 8)][:2] == [0, 1]


async def test_lag_counts_what_a_reader_has_not_read_yet(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 2)
    async with event_log.subscribe([topic]) as sub:
        assert await sub.lag() == 0  # empty topic: caught up
        await event_log.publish_many(topic, [(f"k{i}", b"x") for i in range(9)])
        assert await sub.lag() == 9
        seen = 0
        while await sub.lag() > 0:  # reading a topic to its end, without idle guessing
            seen += len(await sub.poll(max_records=4, timeout_s=2.0))
        assert seen == 9
        await sub.seek(StartAt.at_offset(1))
        assert await sub.lag() == 7  # offsets 1.. of both partitions
    async with event_log.subscribe([topic], start=StartAt.latest()) as sub:
        assert await sub.lag() == 0


async def test_replay_from_a_timestamp(event_log: EventLog, new_topic: Callable[[], str]) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 2)
    await event_log.publish_many(topic, [(f"k{i}", b"before") for i in range(6)])
    await asyncio.sleep(0.05)
    since = int(time.time() * 1000)
    await asyncio.sleep(0.01)
    await event_log.publish_many(topic, [(f"k{i}", b"after") for i in range(6)])
    async with event_log.subscribe([topic], start=StartAt.at_time(since)) as sub:
        records = await drain(sub, 6)
        assert await sub.poll(timeout_s=0.3) == []
    assert {r.value for r in records} == {b"after"}
    future = int(time.time() * 1000) + 3_600_000
    async with event_log.subscribe([topic], start=StartAt.at_time(future)) as sub:
        assert await sub.poll(timeout_s=0.3) == []


async def test_latest_only_sees_new_records(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    await event_log.publish(topic, "k", b"old")
    async with event_log.subscribe([topic], start=StartAt.latest()) as sub:
        assert await sub.poll(timeout_s=0.3) == []
        await event_log.publish(topic, "k", b"new")
        assert [r.value for r in await drain(sub, 1)] == [b"new"]


async def test_poll_waits_for_a_record_without_spinning(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 1)
    async with event_log.subscribe([topic], start=StartAt.latest()) as sub:
        await sub.poll(timeout_s=0.2)  # joins / positions
        started = time.monotonic()
        cpu = time.process_time()
        assert await sub.poll(timeout_s=1.0) == []
        assert time.monotonic() - started >= 0.9
        assert time.process_time() - cpu < 0.5  # idle while waiting
        publisher = asyncio.create_task(_publish_later(event_log, topic))
        got = await drain(sub, 1, timeout_s=5)
        await publisher
    assert got[0].value == b"late"


async def _publish_later(event_log: EventLog, topic: str) -> None:
    await asyncio.sleep(0.2)
    await event_log.publish(topic, "k", b"late")


async def test_ping(event_log: EventLog) -> None:
    await event_log.ping()


async def test_topic_configs_apply_to_new_and_existing_topics(
    event_log: EventLog, new_topic: Callable[[], str]
) -> None:
    keep = {"retention.ms": "-1", "retention.bytes": "-1"}
    fresh, existing = new_topic(), new_topic()
    await event_log.ensure_topic(fresh, 1, configs=keep)
    await event_log.ensure_topic(existing, 1)  # created earlier without them
    if not isinstance(event_log, KafkaEventLog):
        return  # the local log keeps every record: nothing to configure, nothing to fail
    again = KafkaEventLog(event_log.bootstrap)  # a later start of the same component
    try:
        await again.ensure_topic(existing, 1, configs=keep)
        admin = await again._ready_admin()
        for topic in (fresh, existing):
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs=None)
            [response] = await admin.describe_configs([resource])
            values = {e[0]: e[1] for *_, entries in response.resources for e in entries}
            assert {k: values[k] for k in keep} == keep, topic
    finally:
        await again.stop()
