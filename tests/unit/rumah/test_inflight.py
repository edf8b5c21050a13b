"""Single flight: concurrent calls with one key share one run; cancellation stays with whoever
is cancelled; nothing is kept once a run ends."""

from __future__ import annotations

import asyncio
import gc

import pytest

from rumah.common.inflight import Inflight


class Work:
    """Work that blocks until released; counts its runs."""

    def __init__(self, value: object = "answer") -> None:
        self.value = value
        self.runs = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.error: BaseException | None = None

    async def __call__(self) -> object:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        if self.error is not None:
            raise self.error
        return self.value


async def _settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_concurrent_calls_with_one_key_share_one_run() -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    tasks = [asyncio.create_task(flights.run("k", work)) for _ in range(5)]
    await _settle()
    assert "k" in flights and len(flights) == 1
    work.release.set()
    assert await asyncio.gather(*tasks) == ["answer"] * 5
    assert work.runs == 1
    assert flights.joined == 4
    assert "k" not in flights


async def test_different_keys_run_separately() -> None:
    flights: Inflight[object] = Inflight()
    a, b = Work("a"), Work("b")
    ta = asyncio.create_task(flights.run("a", a))
    tb = asyncio.create_task(flights.run("b", b))
    await _settle()
    a.release.set()
    b.release.set()
    assert await asyncio.gather(ta, tb) == ["a", "b"]
    assert (a.runs, b.runs, flights.joined) == (1, 1, 0)


async def test_nothing_is_kept_after_a_run_ends() -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    work.release.set()
    assert await flights.run("k", work) == "answer"
    assert await flights.run("k", work) == "answer"
    assert work.runs == 2 and flights.joined == 0


async def test_a_failure_reaches_every_waiter() -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    work.error = ValueError("subgraph down")
    tasks = [asyncio.create_task(flights.run("k", work)) for _ in range(3)]
    await _settle()
    work.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ValueError) and str(r) == "subgraph down" for r in results)
    assert work.runs == 1
    # a later call runs again: a failure is not remembered either
    work.error = None
    assert await flights.run("k", work) == "answer"


async def test_a_cancelled_leader_does_not_cancel_its_followers() -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    leader = asyncio.create_task(flights.run("k", work))
    await work.started.wait()
    followers = [asyncio.create_task(flights.run("k", work)) for _ in range(2)]
    await _settle()
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    await _settle()
    # one follower took over: the work runs again, once, for both
    assert work.runs == 2 and len(flights) == 1
    work.release.set()
    assert await asyncio.gather(*followers) == ["answer", "answer"]
    assert not any(f.cancelled() for f in followers)
    assert flights.joined == 1  # the second follower joined the first one's run


async def test_a_cancelled_follower_leaves_the_run_and_the_others_alone() -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    leader = asyncio.create_task(flights.run("k", work))
    await work.started.wait()
    quitter = asyncio.create_task(flights.run("k", work))
    stayer = asyncio.create_task(flights.run("k", work))
    await _settle()
    quitter.cancel()
    await _settle()
    work.release.set()
    assert await leader == "answer" and await stayer == "answer"
    assert quitter.cancelled()
    assert work.runs == 1


async def test_a_failure_nobody_joined_leaves_no_unretrieved_exception(
    caplog: pytest.LogCaptureFixture,
) -> None:
    flights: Inflight[object] = Inflight()
    work = Work()
    work.error = RuntimeError("alone")
    work.release.set()
    with pytest.raises(RuntimeError):
        await flights.run("k", work)
    leader = asyncio.create_task(flights.run("k2", Work()))
    await _settle()
    leader.cancel()
    with pytest.raises(asyncio.CancelledError):
        await leader
    gc.collect()
    await _settle()
    assert "never retrieved" not in caplog.text
