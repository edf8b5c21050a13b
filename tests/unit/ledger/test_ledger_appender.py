"""Batched inserts keep insert semantics: ordered stops at the first existing id (leaving a
prefix), unordered inserts every new one and names the existing ones — on every store adapter."""

from __future__ import annotations

import pytest

from services.kit.ports import DocumentStore, EventLog
from services.ledger.appender import PortAppender


@pytest.fixture
def appender(backends: tuple[DocumentStore, EventLog]) -> PortAppender:
    return PortAppender(backends[0])


async def ids(store: DocumentStore, name: str) -> list[str]:
    return [d["_id"] for d in (await store.collection(name).find(limit=100)).items]


async def test_ordered_insert_stops_at_the_first_existing_id(
    appender: PortAppender, backends: tuple[DocumentStore, EventLog]
) -> None:
    store = backends[0]
    await store.collection("c").put({"_id": "d3", "old": True}, expected_version=0)
    done = await appender.insert("c", [{"_id": f"d{i}"} for i in range(1, 6)], ordered=True)
    assert (done.count, done.existing) == (2, (2,))
    assert await ids(store, "c") == ["d1", "d2", "d3"]
    assert (await store.collection("c").get("d3") or {}).get("old") is True
    first_taken = await appender.insert("c", [{"_id": "d1"}, {"_id": "d9"}], ordered=True)
    assert (first_taken.count, first_taken.existing) == (0, (0,))


async def test_unordered_insert_takes_every_new_id_and_names_the_existing(
    appender: PortAppender, backends: tuple[DocumentStore, EventLog]
) -> None:
    store = backends[0]
    await store.collection("c").put({"_id": "d3"}, expected_version=0)
    done = await appender.insert("c", [{"_id": f"d{i}"} for i in range(1, 6)], ordered=False)
    assert (done.count, done.existing) == (4, (2,))
    assert await ids(store, "c") == ["d1", "d2", "d3", "d4", "d5"]
