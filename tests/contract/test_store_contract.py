"""The document-store contract, run against SQLite and against MongoDB (FerretDB)."""

from __future__ import annotations

import asyncio

import pytest

from services.kit.ports import (
    ANY_VERSION,
    DocumentStore,
    DuplicateKey,
    OutboxAck,
    OutboxEntry,
    VersionConflict,
    aiter_pages,
)
from services.kit.store.processed import ProcessedIds
from services.kit.store.rules import InvalidDocument


def entry(n: int, key: str = "p-1") -> OutboxEntry:
    return OutboxEntry(f"ev-{key}-{n}", "permits.status", key, f"payload {n}".encode())


async def test_put_then_get_returns_the_document_with_its_version(store: DocumentStore) -> None:
    permits = store.collection("permits")
    assert (
        await permits.put({"_id": "p-1", "status": "diajukan", "fee": 0}, expected_version=0) == 1
    )
    assert await permits.get("p-1") == {"_id": "p-1", "_v": 1, "status": "diajukan", "fee": 0}
    assert await permits.get("missing") is None


async def test_put_merges_top_level_fields_and_none_clears(store: DocumentStore) -> None:
    permits = store.collection("permits")
    await permits.put({"_id": "p-1", "status": "diajukan", "note": "x"}, expected_version=0)
    assert (
        await permits.put({"_id": "p-1", "status": "terbit", "note": None}, expected_version=1) == 2
    )
    doc = await permits.get("p-1")
    assert doc == {"_id": "p-1", "_v": 2, "status": "terbit", "note": None}


async def test_version_conflicts_are_typed_errors(store: DocumentStore) -> None:
    permits = store.collection("permits")
    await permits.put({"_id": "p-1", "status": "a"}, expected_version=0)
    with pytest.raises(VersionConflict) as exists:
        await permits.put({"_id": "p-1", "status": "b"}, expected_version=0)
    assert (exists.value.expected, exists.value.actual) == (0, 1)
    with pytest.raises(VersionConflict) as stale:
        await permits.put({"_id": "p-1", "status": "b"}, expected_version=5)
    assert stale.value.actual == 1
    with pytest.raises(VersionConflict) as missing:
        await permits.put({"_id": "p-2", "status": "b"}, expected_version=1)
    assert missing.value.actual is None
    assert (await permits.get("p-1") or {})["status"] == "a"


async def test_only_one_of_concurrent_writers_of_a_version_wins(store: DocumentStore) -> None:
    permits = store.collection("permits")
    await permits.put({"_id": "p-1", "n": 0}, expected_version=0)
    results = await asyncio.gather(
        *(permits.put({"_id": "p-1", "n": i}, expected_version=1) for i in range(5)),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["VersionConflict"] * 4 + ["int"]
    assert (await permits.get("p-1") or {})["_v"] == 2


async def test_any_version_upserts(store: DocumentStore) -> None:
    permits = store.collection("permits")
    assert await permits.put({"_id": "p-9", "a": 1}, expected_version=ANY_VERSION) == 1
    assert await permits.put({"_id": "p-9", "b": 2}, expected_version=ANY_VERSION) == 2
    assert await permits.get("p-9") == {"_id": "p-9", "_v": 2, "a": 1, "b": 2}


async def test_unique_index_violation_is_a_typed_error(store: DocumentStore) -> None:
    staff = store.collection("staff")
    await staff.ensure_index(["nip"], unique=True)
    await staff.ensure_index(["nip"], unique=True)  # idempotent
    await staff.put({"_id": "a", "nip": "198001012005011001"}, expected_version=0)
    await staff.put({"_id": "b", "nip": "198001012005011002"}, expected_version=0)
    with pytest.raises(DuplicateKey) as on_insert:
        await staff.put({"_id": "c", "nip": "198001012005011001"}, expected_version=0)
    assert on_insert.value.index == "ux_nip"
    with pytest.raises(DuplicateKey):
        await staff.put({"_id": "b", "nip": "198001012005011001"}, expected_version=1)
    assert await staff.get("c") is None
    assert (await staff.get("b") or {})["_v"] == 1


async def test_flat_filters(store: DocumentStore) -> None:
    coll = store.collection("items")
    for i in range(10):
        doc = {"_id": f"i{i}", "n": i, "kind": "even" if i % 2 == 0 else "odd"}
        if i < 3:
            doc["tag"] = "x"
        await coll.put(doc, expected_version=0)

    async def ids(flt: dict[str, object]) -> list[str]:
        return [d["_id"] for d in (await coll.find(flt, sort=[("n", 1)], limit=50)).items]

    assert await ids({"kind": "odd", "n": {"$gt": 4}}) == ["i5", "i7", "i9"]
    assert await ids({"n": {"$gte": 8}}) == ["i8", "i9"]
    assert await ids({"n": {"$lt": 2}}) == ["i0", "i1"]
    assert await ids({"n": {"$lte": 1, "$gte": 1}}) == ["i1"]
    assert await ids({"n": {"$in": [3, 5, 42]}}) == ["i3", "i5"]
    assert await ids({"tag": {"$ne": "x"}}) == [f"i{i}" for i in range(3, 10)]  # missing ≠ "x"
    assert await ids({"tag": None}) == [f"i{i}" for i in range(3, 10)]  # missing = null
    assert await ids({"tag": {"$ne": None}}) == ["i0", "i1", "i2"]
    assert await coll.count({"kind": "even"}) == 5
    assert await coll.count() == 10
    assert set(await coll.get_many(["i1", "i2", "nope"])) == {"i1", "i2"}


async def test_keyset_pagination_visits_every_document_once_in_order(store: DocumentStore) -> None:
    coll = store.collection("items")
    for i in range(23):
        doc: dict[str, object] = {"_id": f"d{i:02d}", "n": i % 4}
        if i % 5 != 0:
            doc["grp"] = f"g{i % 3}"  # some documents lack the first sort key
        await coll.put(doc, expected_version=0)
    sort = [("grp", 1), ("n", -1)]
    everything = (await coll.find(sort=sort, limit=100)).items
    assert len(everything) == 23

    seen, after, pages = [], None, 0
    while True:
        page = await coll.find(sort=sort, limit=4, after=after)
        seen.extend(d["_id"] for d in page.items)
        pages += 1
        if page.next_cursor is None:
            break
        after = page.next_cursor
    assert seen == [d["_id"] for d in everything]
    assert pages == 6
    # null/missing sorts first, then by grp asc, n desc, _id asc
    firsts = everything[:5]
    assert all("grp" not in d for d in firsts)
    assert sorted([d["_id"] async for d in aiter_pages(coll, {"n": 1}, page_size=2)]) == sorted(
        d["_id"] for d in everything if d["n"] == 1
    )


async def test_delete(store: DocumentStore) -> None:
    coll = store.collection("items")
    await coll.put({"_id": "x"}, expected_version=0, outbox=[entry(1, "x")])
    assert await coll.delete("x") is True
    assert await coll.delete("x") is False
    assert await coll.get("x") is None
    assert await store.outbox_pending() == []


async def test_outbox_is_written_with_the_state_and_never_overwritten(store: DocumentStore) -> None:
    permits = store.collection("permits")
    await permits.put({"_id": "p-1", "s": "a"}, expected_version=0, outbox=[entry(1), entry(2)])
    await permits.put({"_id": "p-1", "s": "b"}, expected_version=1, outbox=[entry(3)])
    pending = await store.outbox_pending()
    assert [(p.collection, p.doc_id) for p in pending] == [("permits", "p-1")]
    assert [e.id for e in pending[0].entries] == ["ev-p-1-1", "ev-p-1-2", "ev-p-1-3"]
    assert pending[0].entries[0].value == b"payload 1"
    assert "_outbox" not in (await permits.get("p-1") or {})

    await store.outbox_ack_many([OutboxAck("permits", "p-1", pending[0].entries[:2])])
    await permits.put({"_id": "p-1", "s": "c"}, expected_version=2, outbox=[entry(4)])
    pending = await store.outbox_pending()
    assert [e.id for e in pending[0].entries] == ["ev-p-1-3", "ev-p-1-4"]
    assert await permits.get("p-1") == {"_id": "p-1", "_v": 3, "s": "c"}  # ack kept the state

    await store.outbox_ack_many([OutboxAck("permits", "p-1", pending[0].entries)])
    assert await store.outbox_pending() == []


async def test_outbox_pending_spans_collections_oldest_first(store: DocumentStore) -> None:
    await store.collection("a").put({"_id": "1"}, expected_version=0, outbox=[entry(1, "1")])
    await asyncio.sleep(0.01)
    await store.collection("b").put({"_id": "2"}, expected_version=0, outbox=[entry(1, "2")])
    pending = await store.outbox_pending(limit=10)
    assert [(p.collection, p.doc_id) for p in pending] == [("a", "1"), ("b", "2")]
    assert len(await store.outbox_pending(limit=1)) == 1


async def test_outbox_feed_fires_on_writes_with_entries(store: DocumentStore) -> None:
    calls: list[int] = []
    store.add_outbox_feed(lambda _written: calls.append(1))
    await store.collection("a").put({"_id": "1"}, expected_version=0)
    await store.collection("a").put({"_id": "2"}, expected_version=0, outbox=[entry(1, "2")])
    assert calls == [1]


@pytest.mark.parametrize(
    "doc",
    [
        {"_id": "x", "a.b": 1},
        {"_id": "x", "$a": 1},
        {"_id": "x", "m": [[1, 2]]},
        {"_id": "x", "_secret": 1},
        {"_id": "", "a": 1},
        {"a": 1},
    ],
)
async def test_unportable_documents_are_rejected(store: DocumentStore, doc: dict) -> None:
    with pytest.raises(InvalidDocument):
        await store.collection("items").put(doc, expected_version=ANY_VERSION)
    with pytest.raises(InvalidDocument):
        await store.collection("items").insert_new([{"_id": "ok"}, doc], ordered=False)
    assert await store.collection("items").count() == 0  # checked before anything is written


async def ids(store: DocumentStore, name: str) -> list[str]:
    return [d["_id"] for d in (await store.collection(name).find(limit=100)).items]


async def test_ordered_insert_new_stops_at_the_first_existing_id(store: DocumentStore) -> None:
    await store.collection("c").put({"_id": "d3", "old": True}, expected_version=0)
    done = await store.collection("c").insert_new(
        [{"_id": f"d{i}", "n": i} for i in range(1, 6)], ordered=True
    )
    assert (done.count, done.existing) == (2, (2,))
    assert await ids(store, "c") == ["d1", "d2", "d3"]
    assert await store.collection("c").get("d1") == {"_id": "d1", "_v": 1, "n": 1}
    assert (await store.collection("c").get("d3") or {}).get("old") is True
    first_taken = await store.collection("c").insert_new(
        [{"_id": "d1"}, {"_id": "d9"}], ordered=True
    )
    assert (first_taken.count, first_taken.existing) == (0, (0,))
    assert (await store.collection("c").insert_new([], ordered=True)).count == 0


async def test_unordered_insert_new_takes_every_new_id_and_names_the_existing(
    store: DocumentStore,
) -> None:
    await store.collection("c").put({"_id": "d3"}, expected_version=0)
    done = await store.collection("c").insert_new(
        [{"_id": f"d{i}"} for i in range(1, 6)], ordered=False
    )
    assert (done.count, done.existing) == (4, (2,))
    assert await ids(store, "c") == ["d1", "d2", "d3", "d4", "d5"]


async def test_processed_ids_mark_once(store: DocumentStore) -> None:
    processed = ProcessedIds(store)
    assert not await processed.seen("ev-1")
    results = await asyncio.gather(*(processed.mark("ev-1") for _ in range(3)))
    assert sorted(results) == [False, False, True]
    assert await processed.seen("ev-1")


async def test_ping(store: DocumentStore) -> None:
    await store.ping()
