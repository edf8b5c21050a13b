"""The outbox relay on both backends: nothing lost, order per entity, at-least-once."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence

from services.kit.envelope import EventSchemas, decode
from services.kit.outbox import OutboxRelay
from services.kit.ports import DocumentStore, EventLog, OutboxAck, StartAt
from tests.contract.conftest import permit_event
from tests.contract.test_eventlog_contract import drain


async def write_history(
    store: DocumentStore, schemas: EventSchemas, topic: str, entities: int, versions: int
) -> None:
    """Each entity goes through ``versions`` writes, entities interleaved concurrently."""
    permits = store.collection("permits")

    async def one(i: int) -> None:
        for v in range(1, versions + 1):
            event = schemas.outbox_entry(topic, permit_event(f"p-{i}", v, f"s{v}"))
            await permits.put({"_id": f"p-{i}", "v": v}, expected_version=v - 1, outbox=[event])

    await asyncio.gather(*(one(i) for i in range(entities)))


def versions_by_subject(values: Sequence[bytes]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for raw in values:
        event = decode(raw)
        seen[event["subject"]].append(event["entityversion"])
    return seen


async def test_relay_delivers_every_event_in_order_per_entity(
    store: DocumentStore, event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 3)
    async with OutboxRelay(store, event_log, poll_interval_s=0.2) as relay:
        await write_history(store, schemas, topic, entities=12, versions=8)
        async with event_log.subscribe([topic], start=StartAt.earliest()) as sub:
            records = await drain(sub, 96)
    assert relay.relayed == 96
    seen = versions_by_subject([r.value for r in records])
    assert seen == {f"p-{i}": list(range(1, 9)) for i in range(12)}
    assert await store.outbox_pending() == []


class CrashBeforeAck:
    """The real store, except that the first acknowledgement fails like a relay crash."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.crashed = False

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("relay crashed between publish and ack")
        await self._store.outbox_ack_many(acks)


async def test_a_crash_between_publish_and_ack_republishes(
    store: DocumentStore, event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await write_history(store, schemas, topic, entities=3, versions=2)
    crashing = CrashBeforeAck(store)
    relay = OutboxRelay(crashing, event_log)  # type: ignore[arg-type]
    try:
        await relay.drain_once()
    except RuntimeError:
        pass
    assert crashing.crashed
    assert len(await store.outbox_pending()) == 3  # still pending: published, not acked
    assert await relay.drain_once() == 6
    assert await store.outbox_pending() == []
    async with event_log.subscribe([topic]) as sub:
        records = await drain(sub, 12)  # every event twice
    ids = [decode(r.value)["id"] for r in records]
    assert len(set(ids)) == 6
    # consumers deduping by id see each entity's events once, in order
    first_seen: dict[str, bytes] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        first_seen.setdefault(decode(r.value)["id"], r.value)
    assert versions_by_subject(list(first_seen.values())) == {f"p-{i}": [1, 2] for i in range(3)}
