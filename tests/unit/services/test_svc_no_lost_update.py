"""No lost update: the pull's watermark (cursor, ETag) never moves past a record whose write
failed. A store that fails chosen writes (the embedded adapter behind a fault switch) stands
in for a store timing out; the upstream is the licensing simulator over HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.kit.backoff import Backoff
from services.kit.connector import pull_forever
from services.kit.envelope import Event, decode
from services.kit.mapping import Mapped, map_record
from services.kit.outbox import OutboxRelay
from services.kit.ports import StoreUnavailable, read_to_end
from services.kit.runtime import PushBusy
from services.kit.settings import ServiceSettings
from services.kit.simulator.core import Simulator
from services.kit.testing import eventually, pending_events
from services.licensing.bootstrap import SPEC
from services.licensing.domain import sweep_sla
from tests.unit.conftest import FakeClock
from tests.unit.services.wired_upstream import Wired, open_wired

PERMITS = SPEC.entities[0]
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"


@pytest.fixture
async def wired(embedded: ServiceSettings, clock: FakeClock) -> AsyncIterator[Wired]:
    async with open_wired(embedded, clock) as w:
        yield w


async def _status(w: Wired, permit_id: str) -> str | None:
    doc = await w.rt.collection("permit").get(permit_id)
    return None if doc is None else str(doc["status"])


async def test_a_failed_write_is_pulled_again_even_when_the_upstream_stays_quiet(
    wired: Wired,
) -> None:
    w = wired
    await w.puller.pull(PERMITS)
    [(_, changed)] = w.sim.act("verifikasi")
    pid = changed["no_permohonan"]
    w.faults.fail_writes("permit", ids=[pid])
    with pytest.raises(StoreUnavailable):
        await w.puller.pull(PERMITS)
    assert await _status(w, pid) == "submitted"
    # Nothing changes upstream any more; the next pass must still bring the record (the
    # upstream must not be allowed to answer 304 for a page that was never applied).
    result = await w.puller.pull(PERMITS)
    assert result.applied == 1 and result.events == 1
    assert await _status(w, pid) == "verified"


async def test_a_failure_on_a_later_page_keeps_the_earlier_pages_and_retries_the_rest(
    wired: Wired,
) -> None:
    w = wired
    await w.puller.pull(PERMITS)
    changed = [rec for _ in range(10) for _, rec in w.sim.act("ajukan")]
    # pages of 7 from the cursor (inclusive): [last seen, 0..5], then [5, 6..9]
    w.faults.fail_writes("permit", ids=[r["no_permohonan"] for r in changed[7:]])
    with pytest.raises(StoreUnavailable):
        await w.puller.pull(PERMITS)
    assert [await _status(w, r["no_permohonan"]) for r in changed] == ["submitted"] * 6 + [None] * 4
    await w.puller.pull(PERMITS)
    assert [await _status(w, r["no_permohonan"]) for r in changed] == ["submitted"] * 10


async def test_a_write_whose_answer_was_lost_is_not_applied_twice(wired: Wired) -> None:
    w = wired
    await w.puller.pull(PERMITS)
    [(_, changed)] = w.sim.act("verifikasi")
    pid = changed["no_permohonan"]
    w.faults.fail_writes("permit", ids=[pid], applied=True)  # stored, but the answer is lost
    with pytest.raises(StoreUnavailable):
        await w.puller.pull(PERMITS)
    again = await w.puller.pull(PERMITS)
    assert again.applied == 0 and again.events == 0 and again.duplicates >= 1
    events = [e for e in await pending_events(w.rt.store) if e["subject"] == pid]
    assert [e["data"]["to"] for e in events if e["type"] == STATUS] == ["submitted", "verified"]


async def test_the_pull_loop_catches_up_after_store_failures_record_by_record(
    wired: Wired,
) -> None:
    """Random changes while random writes fail (refused or answer lost): afterwards the
    canonical copy equals the upstream, record by record, and every version change has
    exactly one status event."""
    w, rng = wired, random.Random(7)
    await w.puller.pull(PERMITS)
    backoff = Backoff(initial=0.01, maximum=0.05)
    loop = asyncio.create_task(pull_forever(w.puller, (PERMITS,), 0.01, backoff))
    try:
        for _ in range(40):
            for _ in range(rng.randint(1, 4)):
                w.sim.act_randomly()
            w.faults.fail_writes("permit", times=rng.randint(1, 3), applied=rng.random() < 0.5)
            await asyncio.sleep(0.02)
        await eventually(lambda: _converged(w), timeout_s=30, what="canonical = upstream")
    finally:
        loop.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await loop
    assert w.faults.failed >= 20
    await _assert_one_event_per_status_change(w)


async def _converged(w: Wired) -> bool:
    upstream = _mapped(w.sim)
    stored = await w.rt.collection("permit").get_many(list(upstream))
    return all(
        pid in stored and stored[pid]["source_hash"] == m.content_hash
        for pid, m in upstream.items()
    )


def _mapped(sim: Simulator) -> dict[str, Mapped[Any]]:
    out = {}
    for raw in sim.table("permohonan").records.values():
        m = map_record(PERMITS.mapping, raw)
        assert isinstance(m, Mapped)
        out[m.id] = m
    return out


async def _assert_one_event_per_status_change(w: Wired) -> None:
    events: list[Event] = [e for e in await pending_events(w.rt.store) if e["type"] == STATUS]
    assert len({e["id"] for e in events}) == len(events), "an event id was written twice"
    by_permit: dict[str, list[Event]] = {}
    for e in events:
        by_permit.setdefault(e["subject"], []).append(e)
    docs = await w.rt.collection("permit").get_many(list(by_permit))
    for pid, evs in by_permit.items():
        chain = [(e["data"]["from"], e["data"]["to"]) for e in evs]
        # a chain of moves with no gap and no repeat, ending in the stored status
        assert all(a[1] == b[0] for a, b in zip(chain, chain[1:], strict=False)), chain
        assert chain[-1][1] == docs[pid]["status"], (pid, chain)


async def test_pushes_do_not_pile_up_while_earlier_ones_are_still_being_written(
    wired: Wired,
) -> None:
    w = wired
    [(_, changed)] = w.sim.act("ajukan")
    async with w.rt.pushes, w.rt.pushes:  # two pushes in flight (a slow store)
        with pytest.raises(PushBusy):
            await w.rt.push("permohonan", [changed])
    result = await w.rt.push("permohonan", [changed])
    assert result.applied == 1


# ---------------------------------------------------------------- rumah_events_written_total
async def _ids_on_the_log(w: Wired) -> list[str]:
    topics = [SPEC.topic(f, w.rt.settings.topic_prefix) for f in SPEC.event_families]
    out: list[str] = []
    async for records in read_to_end(w.rt.log, topics):
        out.extend(decode(r.value)["id"] for r in records)
    return out


async def test_an_event_whose_write_got_no_answer_is_counted_once_when_it_turns_up(
    wired: Wired,
) -> None:
    w = wired
    written = w.rt.ingestor.written
    await w.puller.pull(PERMITS)
    before = written.total
    [(_, changed)] = w.sim.act("verifikasi")
    w.faults.fail_writes("permit", ids=[changed["no_permohonan"]], applied=True)
    with pytest.raises(StoreUnavailable):
        await w.puller.pull(PERMITS)
    assert written.total == before  # not known to be stored yet
    assert (await w.puller.pull(PERMITS)).duplicates >= 1  # it was: the retry finds it
    async with OutboxRelay(w.rt.store, w.rt.log, on_published=written.relayed) as relay:
        await eventually(lambda: _relayed_all(relay, w), timeout_s=10, what="relayed")
    assert written.total == before + 1
    ids = await _ids_on_the_log(w)
    assert written.total == len(set(ids))


async def _relayed_all(relay: OutboxRelay, w: Wired) -> bool:
    return relay.queued == 0 and not await w.rt.store.outbox_pending()


async def test_events_written_equals_the_distinct_event_ids_on_the_log_after_store_faults(
    wired: Wired, clock: FakeClock
) -> None:
    """Random changes while random writes fail (refused, or applied with the answer lost),
    the relay running; then the SLA sweep (a job's writes count too). The counter must equal
    the distinct event ids the log received."""
    w, rng = wired, random.Random(3)
    written = w.rt.ingestor.written
    async with OutboxRelay(w.rt.store, w.rt.log, on_published=written.relayed) as relay:
        loop = asyncio.create_task(
            pull_forever(w.puller, (PERMITS,), 0.01, Backoff(initial=0.01, maximum=0.05))
        )
        try:
            for _ in range(30):
                for _ in range(rng.randint(1, 4)):
                    w.sim.act_randomly()
                w.faults.fail_writes("permit", times=rng.randint(1, 2), applied=rng.random() < 0.6)
                await asyncio.sleep(0.02)
            await eventually(lambda: _converged(w), timeout_s=30, what="canonical = upstream")
        finally:
            loop.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await loop
        clock.now = datetime.now(UTC) + timedelta(days=120)  # deadlines pass: the sweep flags
        assert await sweep_sla(w.rt) > 0
        await eventually(lambda: _relayed_all(relay, w), timeout_s=20, what="relayed")
    ids = await _ids_on_the_log(w)
    assert w.faults.failed >= 15
    per_call = sum(t.events for t in w.rt.ingestor.totals.values())  # the counter before
    print(
        f"\ndistinct ids on the log {len(set(ids))}, events_written {written.total}, "
        f"per-call sum {per_call} (SLA sweep not in it)"
    )
    assert written.total == len(set(ids)), (written.total, len(set(ids)), len(ids))
