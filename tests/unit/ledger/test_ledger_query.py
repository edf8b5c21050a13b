"""Reading: pages by sequence cursor, every filter, the store/ring paths agree, the scan
budget, the time → position lookup, and the replay → live hand-over."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import pytest

from services.ledger.core import Ledger
from services.ledger.query import Criteria, LedgerReader
from services.ledger.testing import mutation_event, permit_event
from tests.unit.ledger.conftest import LedgerFactory


def mixed(n: int) -> list[dict[str, Any]]:
    """Permits of two OPDs and staff moves, interleaved."""
    out = []
    for i in range(n):
        if i % 3 == 0:
            out.append(mutation_event(i, position=f"JAB-{i % 2}"))
        else:
            out.append(permit_event(i, opd="DPMPTSP" if i % 2 else "DISKOMINFO"))
    return out


async def everything(reader: LedgerReader, criteria: Criteria, first: int) -> list[int]:
    seqs, cursor = [], 0
    while True:
        part = await reader.page(criteria, cursor, first)
        seqs += [d["seq"] for d in part.items]
        assert part.scanned_to >= cursor
        cursor = part.scanned_to
        if part.caught_up:
            return seqs


CASES = [
    Criteria(),
    Criteria(opd="DPMPTSP"),
    Criteria(service="personnel"),
    Criteria(entity_type="permit", opd="DISKOMINFO"),
    Criteria(event_type="id.go.serdangbedagaikab.personnel.employee.mutated"),
    Criteria(entity_id="503/0004/DPMPTSP/2026"),
    Criteria(position="JAB-1"),
    Criteria(position="JAB-BKD-0003", service="personnel"),
    Criteria(time_from="2026-03-02T01:00:10.000000Z", time_to="2026-03-02T01:00:30.000000Z"),
    Criteria(opd="NOBODY"),
]


@pytest.mark.parametrize("criteria", CASES, ids=lambda c: repr(c)[9:60])
async def test_pages_by_cursor_return_exactly_the_matching_entries_in_order(
    ledger_of: LedgerFactory, criteria: Criteria
) -> None:
    async with ledger_of(ring_size=0, query_max_segments=2) as ledger:  # store path, small budget
        assert ledger.writer is not None
        events = mixed(47)
        await ledger.writer.append(events)
        docs = [d async for d in ledger.entries.scan(1, 47)]
        expected = [d["seq"] for d in docs if criteria.matches(d)]
        for first in (1, 4, 500):
            assert await everything(ledger.reader, criteria, first) == expected


async def test_the_in_memory_ring_answers_like_the_store(ledger_of: LedgerFactory) -> None:
    async with ledger_of(ring_size=1000) as with_ring, ledger_of(writing=False) as store_only:
        assert with_ring.writer is not None
        await with_ring.writer.append(mixed(30))
        for criteria in CASES:
            got = [d["seq"] for d in (await with_ring.reader.page(criteria, 5, 100)).items]
            want = [d["seq"] for d in (await store_only.reader.page(criteria, 5, 100)).items]
            assert got == want


async def test_a_page_scans_a_bounded_number_of_segments_and_says_where_it_stopped(
    ledger_of: LedgerFactory,
) -> None:
    async with ledger_of(ring_size=0, query_max_segments=1) as ledger:
        assert ledger.writer is not None
        await ledger.writer.append(mixed(35))  # segments of 10
        part = await ledger.reader.page(Criteria(opd="NOBODY"), 0, 10)
        assert part.items == [] and part.scanned_to == 10 and not part.caught_up
        part = await ledger.reader.page(Criteria(opd="NOBODY"), 30, 10)
        assert part.scanned_to == 35 and part.caught_up


async def test_the_position_recorded_before_a_time_is_found_by_bisection(ledger: Ledger) -> None:
    assert ledger.writer is not None
    for n in range(6):  # the step clock ticks once per batch
        await ledger.writer.append([permit_event(2 * n), permit_event(2 * n + 1)])
    docs = [d async for d in ledger.entries.scan(1, 12)]
    assert await ledger.reader.seq_before(docs[4]["recordedAt"]) == 4
    assert await ledger.reader.seq_before("2000-01-01T00:00:00.000000Z") == 0
    assert await ledger.reader.seq_before("2999-01-01T00:00:00.000000Z") == 12


@pytest.mark.parametrize("ring", [0, 1000], ids=["store", "ring"])
async def test_a_follower_replays_then_goes_live_without_gap_or_duplicate(
    ledger_of: LedgerFactory, ring: int
) -> None:
    """Entries are appended while the replay runs; every one arrives exactly once, in order."""
    async with ledger_of(ring_size=ring, query_max_segments=1) as ledger:
        assert ledger.writer is not None
        writer = ledger.writer
        await writer.append([permit_event(n) for n in range(25)])
        criteria = Criteria(opd="DPMPTSP")
        seen: list[int] = []

        async def follow() -> None:
            async for doc in ledger.reader.follow(criteria, 0, page_size=3):
                seen.append(doc["seq"])
                await asyncio.sleep(0)  # let the writer interleave with the replay
                if len(seen) == 80:
                    return

        async def publish() -> None:
            for start in range(25, 80, 5):
                await writer.append([permit_event(n) for n in range(start, start + 5)])
                await asyncio.sleep(0.01)

        await asyncio.wait_for(asyncio.gather(follow(), publish()), 30)
        assert seen == list(range(1, 81))


async def test_criteria_and_store_filters_agree_on_missing_fields() -> None:
    doc: dict[str, Any] = {"seq": 1, "opd": None, "time": None, "positions": []}
    assert Criteria().matches(doc)
    assert not Criteria(opd="X").matches(doc)
    assert not Criteria(time_from="2026").matches(doc)
    assert not dataclasses.replace(Criteria(), position="P").matches(doc)
    assert Criteria(opd="X", time_to="z").store_filter() == {"opd": "X", "time": {"$lte": "z"}}
