"""The batched write path on both backends: ``put_many``, the in-process outbox feed,
``outbox_pending(min_age_s=…)``, and a relay (or a whole process) restarting mid-stream
without losing, duplicating or reordering an event."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.backoff import Backoff
from services.kit.envelope import EventSchemas, decode
from services.kit.outbox import OutboxRelay
from services.kit.ports import (
    DocumentStore,
    DuplicateKey,
    EventLog,
    OutboxAck,
    PendingOutbox,
    StartAt,
    StoreUnavailable,
    VersionConflict,
    Write,
)
from tests.contract.conftest import permit_event
from tests.contract.test_eventlog_contract import drain
from tests.contract.test_store_contract import entry


async def test_put_many_applies_each_write_alone_and_answers_in_order(
    store: DocumentStore,
) -> None:
    coll = store.collection("permits")
    await coll.ensure_index(["nomor"], unique=True)
    await coll.put({"_id": "old", "nomor": "N-0", "s": "a"}, expected_version=0)
    results = await coll.put_many(
        [
            Write({"_id": "new-1", "nomor": "N-1", "s": "a"}, 0, [entry(1, "new-1")]),
            Write({"_id": "old", "s": "b"}, 1, [entry(2, "old")]),
            Write({"_id": "new-2", "nomor": "N-0"}, 0, [entry(1, "new-2")]),  # unique clash
            Write({"_id": "old-2"}, 3, [entry(1, "old-2")]),  # does not exist
            Write({"_id": "new-3", "nomor": "N-3"}, 0),
            Write({"_id": "any", "nomor": "N-4"}, -1, [entry(1, "any")]),
        ]
    )
    assert results[0] == 1 and results[1] == 2 and results[4] == 1 and results[5] == 1
    assert isinstance(results[2], DuplicateKey) and results[2].index == "ux_nomor"
    assert isinstance(results[3], VersionConflict) and results[3].actual is None
    assert await coll.get("old") == {"_id": "old", "_v": 2, "nomor": "N-0", "s": "b"}
    assert await coll.get("new-2") is None and await coll.get("old-2") is None
    pending = {(p.doc_id, tuple(e.id for e in p.entries)) for p in await store.outbox_pending()}
    assert pending == {
        ("new-1", ("ev-new-1-1",)),
        ("old", ("ev-old-2",)),
        ("any", ("ev-any-1",)),
    }


async def test_put_many_with_one_document_twice_applies_them_in_order(
    store: DocumentStore,
) -> None:
    coll = store.collection("permits")
    results = await coll.put_many(
        [
            Write({"_id": "p", "s": "a"}, 0, [entry(1, "p")]),
            Write({"_id": "p", "s": "b"}, 1, [entry(2, "p")]),
            Write({"_id": "p", "s": "c"}, 1, [entry(3, "p")]),  # stale: refused
        ]
    )
    assert results[:2] == [1, 2] and isinstance(results[2], VersionConflict)
    assert (await coll.get("p") or {})["s"] == "b"
    [pending] = await store.outbox_pending()
    assert [e.id for e in pending.entries] == ["ev-p-1", "ev-p-2"]


async def test_a_read_for_write_answers_what_a_plain_read_answers(store: DocumentStore) -> None:
    coll = store.collection("permits")
    await coll.put_many([Write({"_id": f"p{i}", "s": "a"}, 0) for i in range(3)])
    await coll.put({"_id": "p1", "s": "b"}, expected_version=1)
    ids = ["p0", "p1", "p2", "missing"]
    plain = await coll.get_many(ids)
    assert await coll.get_many(ids, for_write=True) == plain
    assert plain["p1"] == {"_id": "p1", "_v": 2, "s": "b"} and "missing" not in plain
    # what it answers is what the version check of the next write expects
    [written] = await coll.put_many([Write({"_id": "p1", "s": "c"}, plain["p1"]["_v"])])
    assert written == 3
    assert (await coll.get_many(["p1"], for_write=True))["p1"]["s"] == "c"


async def test_many_concurrent_writers_in_one_process_all_complete(store: DocumentStore) -> None:
    """More concurrent writes than the store's connection pool: they queue for it, and every
    one is applied once (the pool bounds what one process has in flight on the engine)."""
    coll = store.collection("permits")
    ids = [f"p{i}" for i in range(1000)]
    pad = "x" * 300  # FerretDB scans the collection per update: slower reads, more overlap
    assert await coll.put_many([Write({"_id": i, "s": "a", "pad": pad}, 0) for i in ids]) == [
        1
    ] * len(ids)
    busy = ids[:300]
    versions = await asyncio.gather(
        *(coll.put({"_id": i, "s": "b"}, expected_version=1, outbox=[entry(2, i)]) for i in busy)
    )
    assert versions == [2] * len(busy)
    stored = await coll.get_many(busy)
    assert {d["_v"] for d in stored.values()} == {2} and len(stored) == len(busy)
    assert sum(len(p.entries) for p in await store.outbox_pending(1000)) == len(busy)


async def test_the_feed_gets_the_entries_of_successful_writes_in_write_order(
    store: DocumentStore,
) -> None:
    fed: list[Sequence[PendingOutbox] | None] = []
    store.add_outbox_feed(fed.append)
    coll = store.collection("permits")
    await coll.put({"_id": "a"}, expected_version=0, outbox=[entry(1, "a"), entry(2, "a")])
    await coll.put({"_id": "quiet"}, expected_version=0)  # no entries: nothing fed
    await coll.put_many(
        [
            Write({"_id": "a", "s": 1}, 1, [entry(3, "a")]),
            Write({"_id": "a", "s": 2}, 1, [entry(4, "a")]),  # conflict: not fed
            Write({"_id": "b"}, 0, [entry(1, "b")]),
        ]
    )
    flat = [
        (p.doc_id, e.id) for batch in fed if batch is not None for p in batch for e in p.entries
    ]
    assert None not in fed
    assert flat == [("a", "ev-a-1"), ("a", "ev-a-2"), ("a", "ev-a-3"), ("b", "ev-b-1")]
    assert all(p.collection == "permits" for batch in fed if batch for p in batch)


async def test_outbox_pending_leaves_fresh_entries_to_the_feed(store: DocumentStore) -> None:
    await store.collection("permits").put({"_id": "a"}, expected_version=0, outbox=[entry(1, "a")])
    assert await store.outbox_pending(min_age_s=60.0) == []
    await asyncio.sleep(0.3)
    assert [p.doc_id for p in await store.outbox_pending(min_age_s=0.1)] == ["a"]
    assert [p.doc_id for p in await store.outbox_pending()] == ["a"]


async def test_a_full_scan_sees_a_collection_created_since_the_last_scan(
    store: DocumentStore,
) -> None:
    """A relay's start-up scan must see every entry this process wrote: a scan that missed a
    collection created a moment before (a listing kept from an earlier scan) let the relay
    publish a document's newer entries ahead of its older ones (CI, stop 18)."""
    assert await store.outbox_pending() == []  # an earlier scan, before the collection existed
    await store.collection("fresh").put({"_id": "a"}, expected_version=0, outbox=[entry(1, "a")])
    assert [(p.collection, p.doc_id) for p in await store.outbox_pending()] == [("fresh", "a")]
    await asyncio.sleep(0.3)
    assert [p.doc_id for p in await store.outbox_pending(min_age_s=0.1)] == ["a"]


async def test_a_full_scan_takes_entries_stamped_in_the_future(
    store: DocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Entries written before the wall clock stepped back (or by a host whose clock is ahead)
    carry a stamp later than now: a full scan takes them all the same (were they left for the
    fed queue, a restarted relay would publish newer entries ahead of them); a scan with a
    minimum age still leaves them."""
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 600)  # both stores stamp by it
    await store.collection("permits").put({"_id": "a"}, expected_version=0, outbox=[entry(1, "a")])
    monkeypatch.undo()  # ten minutes back
    await asyncio.sleep(0.3)
    assert [p.doc_id for p in await store.outbox_pending()] == ["a"]
    assert await store.outbox_pending(min_age_s=0.1) == []  # not old enough by its stamp


# --------------------------------------------------------------------------- restarts
async def _write(
    store: DocumentStore, schemas: EventSchemas, topic: str, entities: int, versions: range
) -> None:
    """``versions`` of each entity, one ``put_many`` per version (entities interleaved)."""
    coll = store.collection("permits")
    for v in versions:
        writes = [
            Write(
                {"_id": f"p-{i}", "v": v},
                v - 1,
                [schemas.outbox_entry(topic, permit_event(f"p-{i}", v, f"s{v}"))],
            )
            for i in range(entities)
        ]
        assert await coll.put_many(writes) == [v] * entities
        await asyncio.sleep(0)  # let the relay run between batches


async def _exactly_once_in_order(
    event_log: EventLog, topic: str, entities: int, versions: int
) -> None:
    async with event_log.subscribe([topic], start=StartAt.earliest()) as sub:
        records = await drain(sub, entities * versions)
        assert await sub.poll(max_records=100, timeout_s=1.0) == []  # and nothing more
    seen: dict[str, list[int]] = {}
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        event = decode(r.value)
        seen.setdefault(event["subject"], []).append(event["entityversion"])
    expected = list(range(1, versions + 1))
    wrong = {s: v for s, v in seen.items() if v != expected}
    assert not wrong and len(seen) == entities, str(wrong)


async def test_a_relay_restart_loses_duplicates_and_reorders_nothing(
    store: DocumentStore, event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 3)
    assert await store.outbox_pending() == []  # a scan before the collection exists
    async with OutboxRelay(store, event_log, poll_interval_s=0.2):
        await _write(store, schemas, topic, 20, range(1, 4))
    await _write(store, schemas, topic, 20, range(4, 6))  # no relay: they wait
    async with OutboxRelay(store, event_log, poll_interval_s=0.2):
        await _write(store, schemas, topic, 20, range(6, 9))
        await _exactly_once_in_order(event_log, topic, 20, 8)
    assert await store.outbox_pending() == []


async def test_a_process_restart_loses_duplicates_and_reorders_nothing(
    settings: BackendSettings, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    """A second store instance on the same data (a restarted process) takes over the outbox
    the first left behind: its relay publishes exactly what was not relayed before."""
    topic = new_topic()
    try:
        async with open_backends(settings) as (store, log):
            await log.ensure_topic(topic, 3)
            async with OutboxRelay(store, log, poll_interval_s=0.2):
                await _write(store, schemas, topic, 20, range(1, 4))
            await _write(store, schemas, topic, 20, range(4, 6))  # left pending at exit
        async with open_backends(settings) as (store, log):
            async with OutboxRelay(store, log, poll_interval_s=0.2):
                await _write(store, schemas, topic, 20, range(6, 9))
                await _exactly_once_in_order(log, topic, 20, 8)
            assert await store.outbox_pending() == []
    finally:
        if settings.backend == "kafka":
            async with open_backends(settings) as (store, _):
                await store.db.client.drop_database(settings.mongo_db)  # type: ignore[attr-defined]


class AckFailsOnce:
    """The real store, except that the first acknowledgement fails like a store outage."""

    def __init__(self, store: DocumentStore) -> None:
        self._store = store
        self.failed = 0

    def __getattr__(self, name: str) -> object:
        return getattr(self._store, name)

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        if not self.failed:
            self.failed += 1
            raise StoreUnavailable("store down while acknowledging")
        await self._store.outbox_ack_many(acks)


async def test_a_failed_ack_is_retried_without_republishing(
    store: DocumentStore, event_log: EventLog, schemas: EventSchemas, new_topic: Callable[[], str]
) -> None:
    topic = new_topic()
    await event_log.ensure_topic(topic, 3)
    flaky = AckFailsOnce(store)
    relay = OutboxRelay(flaky, event_log, backoff=Backoff(initial=0.01, maximum=0.05))  # type: ignore[arg-type]
    async with relay:
        await _write(store, schemas, topic, 10, range(1, 4))
        await _exactly_once_in_order(event_log, topic, 10, 3)
    assert flaky.failed == 1
    assert await store.outbox_pending() == []
