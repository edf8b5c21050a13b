"""Verification names the first broken link — position and kind — for every way of editing
the stored ledger: altered, deleted, inserted, reordered, rewritten (checkpoint)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from services.kit.ports import ANY_VERSION, DocumentStore, EventLog
from services.ledger.chain import entry_hash, event_json, seq_id
from services.ledger.core import Ledger
from services.ledger.entry import event_of, query_fields
from services.ledger.testing import permit_event
from services.ledger.verify import Anchor
from tests.unit.ledger.conftest import LedgerFactory

N = 30


class Tamper:
    """Edits the stored entries behind the ledger's back (what a DBA could do)."""

    def __init__(self, ledger: Ledger, store: DocumentStore) -> None:
        self.entries, self.store = ledger.entries, store

    def coll(self, seq: int) -> Any:
        return self.store.collection(self.entries.name(self.entries.segment_of(seq)))

    async def doc(self, seq: int) -> dict[str, Any]:
        found = await self.entries.get(seq)
        assert found is not None
        return found

    async def put(self, seq: int, body: dict[str, Any]) -> None:
        body = {k: v for k, v in body.items() if k != "_v"} | {"_id": seq_id(seq)}
        await self.coll(seq).put(body, expected_version=ANY_VERSION)

    async def delete(self, seq: int) -> None:
        assert await self.coll(seq).delete(seq_id(seq))

    async def move(self, seq: int, to: int) -> None:
        """Renumber an entry (its fields say ``to``; its hashes are left as they were)."""
        body = await self.doc(seq)
        await self.delete(seq)
        await self.put(to, body | {"seq": to})


@pytest.fixture
async def full(
    ledger: Ledger, backends: tuple[DocumentStore, EventLog]
) -> AsyncIterator[tuple[Ledger, Tamper]]:
    assert ledger.writer is not None and ledger.checkpointer is not None
    await ledger.writer.append([permit_event(n) for n in range(N)])
    await ledger.checkpointer.tick()
    yield ledger, Tamper(ledger, backends[0])


async def broken(ledger: Ledger, **kw: Any) -> tuple[int, str] | None:
    result = await ledger.verify(**kw)
    return None if result.broken is None else (result.broken.seq, result.broken.kind)


async def test_an_untouched_ledger_verifies_with_its_checkpoint(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, _ = full
    result = await ledger.verify()
    assert result.ok and result.checked == N and result.anchors_checked == 1
    assert result.head_hash == (await ledger.entries.get(N) or {})["hash"]
    assert (await ledger.verify(first=11, last=20)).checked == 10


async def test_an_altered_event_is_reported_at_its_position(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    doc = await t.doc(17)
    await t.put(17, doc | {"eventJson": doc["eventJson"].replace('"to":"', '"to":"re')})
    assert await broken(ledger) == (17, "altered")


async def test_an_altered_and_rehashed_entry_is_still_reported_at_its_position(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, t = full
    doc = await t.doc(12)
    event = event_json(event_of(doc) | {"subject": "forged"})
    rehashed = entry_hash(12, doc["recordedAt"], doc["prevHash"], event)
    await t.put(12, doc | {"eventJson": event, "subject": "forged", "hash": rehashed})
    assert await broken(ledger) == (12, "altered")


async def test_an_altered_query_field_is_reported(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    await t.put(5, await t.doc(5) | {"opd": "BKD"})  # hide it from a DPMPTSP filter
    assert await broken(ledger) == (5, "altered")


async def test_a_deleted_entry_is_reported_at_its_position(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    await t.delete(21)  # the first entry of a segment
    assert await broken(ledger) == (21, "deleted")


async def test_deleting_and_renumbering_the_rest_is_reported_as_a_deletion(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, t = full
    await t.delete(8)
    for seq in range(9, N + 1):
        await t.move(seq, seq - 1)
    assert await broken(ledger) == (8, "deleted")


async def test_a_trimmed_tail_is_caught_by_the_checkpoint(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    await t.delete(N)
    await t.delete(N - 1)
    assert await broken(ledger) == (N - 1, "deleted")


async def test_an_inserted_entry_is_reported_at_its_position(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    for seq in range(N, 14, -1):  # make room at 15
        await t.move(seq, seq + 1)
    prev = await t.doc(14)
    forged_event = permit_event(999)
    recorded = prev["recordedAt"]
    forged = {
        **(await t.doc(16)),
        **query_fields(forged_event),
        "seq": 15,
        "prevHash": prev["hash"],
        "recordedAt": recorded,
        "eventJson": event_json(forged_event),
        "hash": entry_hash(15, recorded, prev["hash"], event_json(forged_event)),
    }
    await t.put(15, forged)
    assert await broken(ledger) == (15, "inserted")


async def test_a_document_that_is_no_position_is_reported_as_inserted(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, t = full
    body = await t.doc(6)
    await t.coll(6).put(
        {**{k: v for k, v in body.items() if k != "_v"}, "_id": seq_id(6) + "a"}, expected_version=0
    )
    assert await broken(ledger) == (7, "inserted")


async def test_swapped_neighbours_are_reported_as_reordered(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    a, b = await t.doc(9), await t.doc(10)
    await t.put(9, b)
    await t.put(10, a)
    assert await broken(ledger) == (9, "reordered")


async def test_swapped_and_relabelled_neighbours_are_reported_as_reordered(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, t = full
    a, b = await t.doc(3), await t.doc(4)
    await t.put(3, b | {"seq": 3})
    await t.put(4, a | {"seq": 4})
    assert await broken(ledger) == (3, "reordered")


async def test_a_consistently_rewritten_history_is_caught_by_the_checkpoint(
    full: tuple[Ledger, Tamper],
) -> None:
    ledger, t = full
    prev = (await t.doc(9))["hash"]
    for seq in range(10, N + 1):  # rewrite from 10 on and rehash everything after it
        doc = await t.doc(seq)
        event = event_of(doc) if seq != 10 else event_of(doc) | {"opd": "BKD"}
        text = event_json(event)
        new = doc | {
            "opd": event["opd"],
            "eventJson": text,
            "prevHash": prev,
            "hash": entry_hash(seq, doc["recordedAt"], prev, text),
        }
        await t.put(seq, new)
        prev = new["hash"]
    assert await broken(ledger) == (N, "checkpoint_mismatch")


async def test_an_anchor_held_outside_is_checked(full: tuple[Ledger, Tamper]) -> None:
    ledger, _ = full
    good = (await ledger.entries.get(20) or {})["hash"]
    assert (await ledger.verify(anchors=[Anchor(20, good, "auditor")])).anchors_checked == 2
    result = await ledger.verify(anchors=[Anchor(20, "f" * 64, "auditor")])
    assert result.broken is not None and result.broken.kind == "checkpoint_mismatch"
    assert result.broken.seq == 20


async def test_an_anchor_at_the_checkpoint_position_is_checked_even_when_the_checkpoint_agrees(
    full: tuple[Ledger, Tamper],
) -> None:
    """An insider rewrites history and the stored checkpoint to match; the auditor's copy of
    the head hash (same position as the checkpoint) must still be compared, not shadowed."""
    ledger, t = full
    held = Anchor(N, (await t.doc(N))["hash"], "auditor's copy")
    prev = (await t.doc(9))["hash"]
    for seq in range(10, N + 1):
        doc = await t.doc(seq)
        event = event_of(doc)
        text = event_json(event | {"data": event["data"] | {"forgedBy": "an insider"}})
        new = doc | {
            "eventJson": text,
            "prevHash": prev,
            "hash": entry_hash(seq, doc["recordedAt"], prev, text),
        }
        await t.put(seq, new)
        prev = new["hash"]
    checkpoints = t.store.collection(ledger.checkpoints.name(0))
    for cp in (await checkpoints.find(None, limit=100)).items:
        assert cp["headSeq"] == N
        await checkpoints.put(
            {k: v for k, v in cp.items() if k != "_v"} | {"headHash": prev},
            expected_version=ANY_VERSION,
        )
    assert await broken(ledger) is None  # consistent inside the store
    result = await ledger.verify(anchors=[held])
    assert result.broken is not None and (result.broken.seq, result.broken.kind) == (
        N,
        "checkpoint_mismatch",
    )
    assert "auditor's copy" in result.broken.detail


async def test_a_partial_range_trusts_the_entry_before_it(full: tuple[Ledger, Tamper]) -> None:
    ledger, t = full
    doc = await t.doc(3)
    await t.put(3, doc | {"eventJson": event_json(event_of(doc) | {"subject": "x"})})
    assert await broken(ledger, first=10) is None
    assert await broken(ledger, first=1, last=2) is None
    assert await broken(ledger, first=1, last=5) == (3, "altered")


async def test_an_empty_ledger_verifies(ledger_of: LedgerFactory) -> None:
    async with ledger_of() as empty:
        result = await empty.verify()
        assert result.ok and result.checked == 0


async def test_a_break_stops_the_read_ahead_at_once(full: tuple[Ledger, Tamper]) -> None:
    """Verification reads the next segment while it checks one; a break found early must not
    leave that read running (nor hold the store) after ``verify`` returns."""
    ledger, t = full
    assert ledger.entries.segment_of(N) > ledger.entries.segment_of(1)  # several segments
    doc = await t.doc(2)
    await t.put(2, doc | {"hash": "0" * 64})
    assert await broken(ledger) == (2, "altered")
    reading = [
        task
        for task in asyncio.all_tasks()
        if "Segments.scan" in getattr(task.get_coro(), "__qualname__", "") and not task.done()
    ]
    assert reading == []
