"""The store lease: one holder per epoch, takeover only after expiry + margin, loss detected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from services.kit.lease import COLLECTION, Lease, LeaseLost, LeaseSettings
from services.kit.ports import Collection
from services.kit.store.sqlite import SqliteDocumentStore

SETTINGS = LeaseSettings(ttl_s=10.0, margin_s=2.0, poll_s=0.01)


@dataclass
class Clocks:
    """One wall clock and one monotonic clock, moved by hand (both processes share them)."""

    t: float = 1_000.0

    def wall(self) -> float:
        return self.t

    def mono(self) -> float:
        return self.t


@pytest.fixture
async def coll(tmp_path: Path) -> AsyncIterator[Collection]:
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    await store.start()
    try:
        yield store.collection(COLLECTION)
    finally:
        await store.stop()


def lease(coll: Collection, clocks: Clocks, holder: str) -> Lease:
    return Lease(coll, "ledger", SETTINGS, holder=holder, wall=clocks.wall, monotonic=clocks.mono)


async def test_lease_has_exactly_one_holder_among_racing_takers(coll: Collection) -> None:
    clocks = Clocks()
    takers = [lease(coll, clocks, f"p{i}") for i in range(5)]
    won = await asyncio.gather(*(t.try_take() for t in takers))
    assert sum(won) == 1
    winner = takers[won.index(True)]
    assert winner.valid() and winner.epoch == 1
    assert (await winner.current()) is not None


async def test_standby_waits_until_expiry_plus_margin_then_takes_the_next_epoch(
    coll: Collection,
) -> None:
    clocks = Clocks()
    active, standby = lease(coll, clocks, "active"), lease(coll, clocks, "standby")
    assert await active.try_take()
    clocks.t += SETTINGS.ttl_s  # the active one died at t0: expired, but within the margin
    assert not active.valid()  # it stopped believing before expiry
    assert not await standby.try_take()
    clocks.t += SETTINGS.margin_s + 0.001
    assert await standby.try_take()
    assert standby.epoch == 2


async def test_holder_stops_believing_before_a_standby_may_take(coll: Collection) -> None:
    clocks = Clocks()
    active, standby = lease(coll, clocks, "active"), lease(coll, clocks, "standby")
    assert await active.try_take()
    clocks.t += SETTINGS.ttl_s - SETTINGS.margin_s  # the holder's own deadline
    assert not active.valid()
    assert not await standby.try_take()  # 2 x margin still lie before the taker may act


async def test_renewal_keeps_the_lease_and_keeps_the_standby_out(coll: Collection) -> None:
    clocks = Clocks()
    active, standby = lease(coll, clocks, "active"), lease(coll, clocks, "standby")
    assert await active.try_take()
    for _ in range(5):
        clocks.t += SETTINGS.ttl_s / 2
        await active.renew()
        assert active.valid()
        assert not await standby.try_take()


async def test_renewal_after_the_deadline_is_refused_as_lost(coll: Collection) -> None:
    clocks = Clocks()
    active = lease(coll, clocks, "active")
    assert await active.try_take()
    clocks.t += SETTINGS.ttl_s
    with pytest.raises(LeaseLost):
        await active.renew()
    assert active.epoch is None and not active.valid()


async def test_holder_learns_it_was_taken_over(coll: Collection) -> None:
    """A holder whose clock lagged (it still believes) sees the next epoch on renewal."""
    clocks, slow = Clocks(), Clocks()
    active = lease(coll, slow, "active")
    standby = lease(coll, clocks, "standby")
    assert await active.try_take()
    clocks.t += SETTINGS.ttl_s + SETTINGS.margin_s + 1
    assert await standby.try_take()
    with pytest.raises(LeaseLost, match="taken over"):
        await active.renew()


async def test_release_hands_over_at_once(coll: Collection) -> None:
    clocks = Clocks()
    active, standby = lease(coll, clocks, "active"), lease(coll, clocks, "standby")
    assert await active.try_take()
    await active.release()
    assert not active.valid()
    assert await standby.try_take()
    assert standby.epoch == 2


async def test_take_waits_as_a_standby(coll: Collection) -> None:
    clocks = Clocks()
    active, standby = lease(coll, clocks, "active"), lease(coll, clocks, "standby")
    assert await active.try_take()
    waiting = asyncio.create_task(standby.take())
    await asyncio.sleep(0.05)
    assert not waiting.done()
    clocks.t += SETTINGS.ttl_s + SETTINGS.margin_s + 1
    assert await asyncio.wait_for(waiting, 5) == 2


async def test_old_epochs_are_pruned(coll: Collection) -> None:
    clocks = Clocks()
    for i in range(5):
        one = lease(coll, clocks, f"p{i}")
        assert await one.try_take()
        await one.release()
    assert await coll.count() <= 2


def test_settings_refuse_a_margin_that_leaves_no_lease() -> None:
    with pytest.raises(ValueError, match="twice"):
        Lease(None, "x", LeaseSettings(ttl_s=2.0, margin_s=1.0, poll_s=1.0))  # type: ignore[arg-type]
