"""Execution slots: at most N query executions at once, the others wait their turn in
arrival order; a slot comes back when its execution ends, fails, or has held it ``hold``
seconds (a slow subgraph never stalls the rest); de-duplicated requests take no slot.
The limit adapts: executions waiting for slots while the event loop is mostly idle grow it
(up to the ceiling); a busy loop shrinks it back to its base."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
import pytest
from http_driver import call, harness
from test_http_dedup import HeldSubgraph  # holds requests until released

from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.slots import HIGH, LOW, ExecutionSlots

LONG = 3600.0  # a hold no test reaches: slots come back only when executions end


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


class Gate:
    """Work that starts, records itself, and ends when its event is set (or raises)."""

    def __init__(self) -> None:
        self.started: list[int] = []
        self.began: dict[int, asyncio.Event] = {}
        self.release: dict[int, asyncio.Event] = {}

    def work(self, n: int, fail: bool = False) -> Any:
        self.began[n], self.release[n] = asyncio.Event(), asyncio.Event()

        async def run() -> int:
            self.started.append(n)
            self.began[n].set()
            await self.release[n].wait()
            if fail:
                raise RuntimeError(f"work {n} failed")
            return n

        return run


async def test_no_more_executions_than_slots_run_and_the_rest_start_in_arrival_order() -> None:
    slots, gate = ExecutionSlots(2, LONG), Gate()
    tasks = [asyncio.create_task(slots.run(gate.work(n))) for n in range(5)]
    await _settle()
    assert gate.started == [0, 1]
    gate.release[1].set()
    await _settle()
    assert gate.started == [0, 1, 2]
    gate.release[0].set()
    await _settle()
    assert gate.started == [0, 1, 2, 3]
    for n in (2, 3, 4):
        gate.release[n].set()
    assert await asyncio.gather(*tasks) == [0, 1, 2, 3, 4]


async def test_a_failed_execution_gives_its_slot_back() -> None:
    slots, gate = ExecutionSlots(1, LONG), Gate()
    failing = asyncio.create_task(slots.run(gate.work(0, fail=True)))
    waiting = asyncio.create_task(slots.run(gate.work(1)))
    await _settle()
    assert gate.started == [0]
    gate.release[0].set()
    with pytest.raises(RuntimeError, match="work 0 failed"):
        await failing
    await _settle()
    assert gate.started == [0, 1]
    gate.release[1].set()
    assert await waiting == 1


async def test_a_cancelled_waiter_takes_no_slot_and_a_cancelled_execution_gives_its_back() -> None:
    slots, gate = ExecutionSlots(1, LONG), Gate()
    running = asyncio.create_task(slots.run(gate.work(0)))
    gone = asyncio.create_task(slots.run(gate.work(1)))
    last = asyncio.create_task(slots.run(gate.work(2)))
    await _settle()
    gone.cancel()  # the client went away while waiting
    running.cancel()  # and this one while executing
    await _settle()
    assert gate.started == [0, 2]
    gate.release[2].set()
    assert await last == 2


async def test_an_execution_holding_its_slot_too_long_lets_the_next_one_start() -> None:
    slots, gate = ExecutionSlots(1, 0.01), Gate()
    stuck = asyncio.create_task(slots.run(gate.work(0)))  # a hung subgraph: never released
    after = asyncio.create_task(slots.run(gate.work(1)))
    await asyncio.wait_for(gate.began[1].wait(), 10)  # not "within 10 ms": eventually
    assert not stuck.done()
    gate.release[1].set()
    assert await after == 1
    gate.release[0].set()
    assert await stuck == 0
    # the slot given up early is not given back twice when the stuck execution ends
    third, fourth = gate.work(3), gate.work(4)
    slots.hold = LONG
    t3 = asyncio.create_task(slots.run(third))
    t4 = asyncio.create_task(slots.run(fourth))
    await _settle()
    assert gate.started == [0, 1, 3]
    gate.release[3].set()
    gate.release[4].set()
    assert await asyncio.gather(t3, t4) == [3, 4]


def test_slots_need_a_count_and_a_hold() -> None:
    with pytest.raises(ValueError, match="count >= 1"):
        ExecutionSlots(0, 1.0)
    with pytest.raises(ValueError, match="hold > 0"):
        ExecutionSlots(1, 0)
    with pytest.raises(ValueError, match="window > 0"):
        ExecutionSlots(1, 1.0, window=0)
    with pytest.raises(ValueError, match="ceiling"):
        ExecutionSlots(4, 1.0, 2)


class Clocks:
    """The wall and loop-thread CPU clocks the limit reads, moved by the test."""

    def __init__(self) -> None:
        self.wall = 1000.0
        self.busy = 0.0

    def spend(self, seconds: float, busy: float) -> None:
        """``seconds`` pass with the loop busy that share of them."""
        self.wall += seconds
        self.busy += seconds * busy


def _adaptive(count: int, ceiling: int, clocks: Clocks) -> ExecutionSlots:
    return ExecutionSlots(
        count, LONG, ceiling, window=0.1, clock=lambda: clocks.wall, cpu=lambda: clocks.busy
    )


async def _wave(slots: ExecutionSlots, gate: Gate, first: int, n: int) -> list[asyncio.Task[int]]:
    tasks = [asyncio.create_task(slots.run(gate.work(k))) for k in range(first, first + n)]
    await _settle()
    return tasks


async def _concurrent_starts(slots: ExecutionSlots) -> int:
    """How many new executions start at once now."""
    gate = Gate()
    tasks = [asyncio.create_task(slots.run(gate.work(n))) for n in range(slots.ceiling + 2)]
    await _settle()
    started = len(gate.started)
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)
    return started


async def test_executions_waiting_on_slow_subgraphs_grow_the_limit_towards_the_ceiling() -> None:
    # I/O-bound: executions wait for slots while the loop is mostly idle
    clocks, gate = Clocks(), Gate()
    slots = _adaptive(2, 9, clocks)
    tasks = await _wave(slots, gate, 0, 20)  # the first look opens a window
    assert len(gate.started) == 2 and slots.waiting == 18
    limits = []
    for n in range(20, 26):
        clocks.spend(0.1, busy=0.1)
        tasks += await _wave(slots, gate, n, 1)  # the next start judges the window
        limits.append(slots.limit)
    assert limits == [3, 4, 6, 9, 9, 9]  # by half, at least one, never past the ceiling
    assert gate.started == list(range(9))  # still in arrival order
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)
    assert await _concurrent_starts(slots) == 9  # the grown slots are real


async def test_a_busy_loop_does_not_grow_the_limit_however_many_wait() -> None:
    # CPU-bound: more executions at once would not run faster, only evict each other
    clocks, gate = Clocks(), Gate()
    slots = _adaptive(2, 64, clocks)
    tasks = await _wave(slots, gate, 0, 20)
    for n in range(20, 25):
        clocks.spend(0.1, busy=(LOW + HIGH) / 2)
        tasks += await _wave(slots, gate, n, 1)
    assert slots.limit == 2 and slots.grown == 0 and gate.started == [0, 1]
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)


async def test_an_idle_loop_with_nobody_waiting_keeps_the_limit() -> None:
    clocks = Clocks()
    slots = _adaptive(2, 64, clocks)
    for n in range(6):
        clocks.spend(0.1, busy=0.0)
        assert await slots.run(lambda n=n: _quick(n)) == n  # type: ignore[misc]
    assert slots.limit == 2 and slots.grown == 0


async def test_a_busy_loop_shrinks_a_grown_limit_back_to_its_base() -> None:
    clocks, gate = Clocks(), Gate()
    slots = _adaptive(2, 32, clocks)
    tasks = await _wave(slots, gate, 0, 40)
    for n in range(40, 45):
        clocks.spend(0.1, busy=0.1)
        tasks += await _wave(slots, gate, n, 1)
    grown = slots.limit
    assert grown > 8
    limits = []
    for n in range(45, 50):  # the work turned CPU-bound
        clocks.spend(0.1, busy=(HIGH + 1) / 2)
        tasks += await _wave(slots, gate, n, 1)
        limits.append(slots.limit)
    assert limits[-1] == 2 and limits == sorted(limits, reverse=True)
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)
    assert await _concurrent_starts(slots) == 2  # the retired slots are really gone


async def test_after_a_quiet_spell_the_first_window_is_not_judged() -> None:
    clocks, gate = Clocks(), Gate()
    slots = _adaptive(1, 8, clocks)
    tasks = await _wave(slots, gate, 0, 5)
    clocks.spend(60.0, busy=0.0)  # a minute with nothing happening
    tasks += await _wave(slots, gate, 5, 1)
    assert slots.limit == 1
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)


async def test_a_fixed_limit_does_not_grow() -> None:
    clocks, gate = Clocks(), Gate()
    slots = _adaptive(2, 2, clocks)
    tasks = await _wave(slots, gate, 0, 10)
    for n in range(10, 14):
        clocks.spend(0.1, busy=0.0)
        tasks += await _wave(slots, gate, n, 1)
    assert slots.limit == 2 and gate.started == [0, 1]
    for event in gate.release.values():
        event.set()
    await asyncio.gather(*tasks)


async def _quick(n: int) -> int:
    await asyncio.sleep(0)
    return n


async def test_waiting_executions_are_counted() -> None:
    slots, gate = ExecutionSlots(1, LONG), Gate()
    tasks = [asyncio.create_task(slots.run(gate.work(n))) for n in range(4)]
    await _settle()
    assert slots.waiting == 3
    tasks[2].cancel()  # a client gone while waiting
    await _settle()
    assert slots.waiting == 2
    for n in (0, 1, 3):
        gate.release[n].set()
    await asyncio.gather(tasks[0], tasks[1], tasks[3])
    assert slots.waiting == 0


def _slotted(
    sub: HeldSubgraph, count: int, *, deduplicate: bool = False, min_bytes: int = 0
) -> Any:
    h = harness(sub)
    h.pipeline.slots = ExecutionSlots(count, LONG, min_bytes=min_bytes)
    h.pipeline.inflight = Pipeline(PrepareConfig(), deduplicate=deduplicate).inflight
    return h


async def test_over_http_a_query_waits_for_a_slot_and_then_is_answered_whole() -> None:
    sub = HeldSubgraph()
    h = _slotted(sub, 1)
    first = asyncio.create_task(call(h.app, json={"query": "{ hello }"}))
    second = asyncio.create_task(call(h.app, json={"query": "{ hello }", "variables": {}}))
    await _settle()
    assert len(sub.requests) == 1  # the second waits: its execution has not started
    sub.release.set()
    for response in await asyncio.gather(first, second):
        assert response.status == 200
        assert orjson.loads(response.body) == {"data": {"hello": "hello anonymous"}}
    assert len(sub.requests) == 2


async def test_requests_joining_an_identical_query_take_no_slot() -> None:
    sub = HeldSubgraph()
    h = _slotted(sub, 1, deduplicate=True)
    tasks = [asyncio.create_task(call(h.app, json={"query": "{ hello }"})) for _ in range(4)]
    await _settle()
    assert len(sub.requests) == 1
    sub.release.set()
    assert [r.status for r in await asyncio.gather(*tasks)] == [200] * 4
    assert len(sub.requests) == 1


async def test_bad_requests_are_answered_without_waiting_for_a_slot() -> None:
    sub = HeldSubgraph()
    h = _slotted(sub, 1)
    busy = asyncio.create_task(call(h.app, json={"query": "{ hello }"}))
    await _settle()
    bad = await asyncio.wait_for(call(h.app, json={"query": "{ hello "}), 10)
    body = orjson.loads(bad.body)
    assert "data" not in body and "Syntax Error" in body["errors"][0]["message"]
    assert len(sub.requests) == 1
    sub.release.set()
    assert (await busy).status == 200


async def test_only_operations_with_large_answers_take_a_slot() -> None:
    sub = HeldSubgraph()
    h = _slotted(sub, 1, min_bytes=1)  # any answer is "large" once one was seen
    first = [asyncio.create_task(call(h.app, json={"query": "{ hello }"})) for _ in range(2)]
    await _settle()
    assert len(sub.requests) == 2  # never answered yet: its size unknown, so not slotted
    sub.release.set()
    assert [r.status for r in await asyncio.gather(*first)] == [200, 200]
    sub.release.clear()
    again = [asyncio.create_task(call(h.app, json={"query": "{ hello }"})) for _ in range(2)]
    await _settle()
    assert len(sub.requests) == 3  # now its answers are known to be large: one at a time
    sub.release.set()
    assert [r.status for r in await asyncio.gather(*again)] == [200, 200]
    assert len(sub.requests) == 4


async def test_operations_with_small_answers_never_wait_for_a_slot() -> None:
    sub = HeldSubgraph()
    h = _slotted(sub, 1, min_bytes=16_384)
    for _ in range(2):
        tasks = [asyncio.create_task(call(h.app, json={"query": "{ hello }"})) for _ in range(3)]
        await _settle()
        assert len(sub.requests) % 3 == 0  # all three sent at once, both rounds
        sub.release.set()
        assert [r.status for r in await asyncio.gather(*tasks)] == [200] * 3
        sub.release.clear()


def test_the_settings_refuse_a_ceiling_below_the_base() -> None:
    from pydantic import ValidationError

    from gateway.settings import GatewaySettings

    with pytest.raises(ValidationError, match="EXECUTION_SLOTS_MAX"):
        GatewaySettings(execution_slots=16, execution_slots_max=8)
    assert GatewaySettings(execution_slots=0, execution_slots_max=1).execution_slots == 0
    defaults = GatewaySettings()
    assert (defaults.execution_slots, defaults.execution_slots_max) == (8, 512)
