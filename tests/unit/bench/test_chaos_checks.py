"""The chaos scenarios' verdict (``bench.chaos.checks.noloss_problems``) on made-up evidence:
clean when produced = on the topic = chained, and it names each way an event can be lost,
repeated or altered — so a scenario cannot pass when one happened."""

from __future__ import annotations

import asyncio

import pytest

from bench.chaos.checks import LedgerView, noloss_problems
from bench.chaos.registry import Env, Outcome, Size, register, scenarios
from services.kit.envelope import Event
from services.ledger.testing import mutation_event, permit_event

STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"
PERMIT = "503/0000/DPMPTSP/2026"
MOVES = [permit_event(0), permit_event(1), permit_event(2)]  # submitted → verified → approved


def problems(
    *,
    produced: int = 3,
    topic: list[Event] = MOVES,
    chained: list[Event] = MOVES,
    broken: int = 0,
    others: frozenset[str] = frozenset(),
) -> list[str]:
    return asyncio.run(
        noloss_problems(
            produced=produced,
            topic_events=topic,
            ledger=LedgerView([dict(e) for e in chained], broken),
            status_type=STATUS,
            stored_status={PERMIT: "approved"},
            others=others,
        )
    )


def test_nothing_lost_nothing_twice_is_clean() -> None:
    assert problems() == []


def test_an_event_the_ledger_never_chained_is_named() -> None:
    found = problems(chained=MOVES[:2])
    assert "produced 3, on the topic 3, chained 2" in found
    assert "1 ids on the topic not chained, 0 chained not on the topic" in found


def test_an_event_lost_before_the_log_is_named() -> None:
    gap = [MOVES[0], MOVES[2]]
    found = problems(topic=gap, chained=gap)
    assert "produced 3, on the topic 2, chained 2" in found
    assert any("status moves do not chain" in p for p in found)
    assert any(p.startswith("ledger: ") and "do not chain" in p for p in found)


def test_an_event_chained_twice_is_named() -> None:
    found = problems(chained=[*MOVES, MOVES[1]])
    assert "1 event ids chained more than once" in found


def test_one_version_change_with_two_events_is_named() -> None:
    twin = {**MOVES[1], "id": "another-id-for-the-same-change"}
    found = problems(produced=4, topic=[*MOVES, twin], chained=[*MOVES, twin])
    assert any("two status events for one version" in p for p in found)


def test_a_chain_that_does_not_verify_is_named() -> None:
    assert "the ledger's chain does not verify" in problems(broken=1)


def test_other_events_are_kept_apart_but_must_be_chained_too() -> None:
    backlog = [mutation_event(0), permit_event(4)]
    ids = frozenset(e["id"] for e in backlog)
    assert problems(topic=[*MOVES, backlog[1]], chained=[*MOVES, *backlog], others=ids) == []
    found = problems(topic=[*MOVES, backlog[1]], chained=[*MOVES, backlog[0]], others=ids)
    assert found == ["1 of 2 other events not chained"]


def test_every_scenario_has_three_sizes_and_a_result_line_in_the_bench_format() -> None:
    registered = scenarios()
    assert {"broker-killed", "controller-killed", "leader-killed", "store-restarted"} <= set(
        registered
    )
    assert {"broker-killed-store-frozen", "consumer-behind"} <= set(registered)
    for entry in registered.values():
        assert entry.test.changes <= entry.quick.changes <= entry.full.changes
    line = Outcome("x", 5, 5, 0, 0, 1.25, notes={"victim": "kafka-2"}).line()
    assert line == "x produced=5 chained=5 duplicates=0 broken=0 max_recovery_s=1.2 victim=kafka-2"
    bad = Outcome("x", 5, 4, 1, 0, 0.0, problems=["lost one"])
    assert not bad.ok and bad.line().endswith("PROBLEMS=1: lost one")


def test_a_name_registered_twice_is_refused() -> None:
    async def one(env: Env, size: Size) -> Outcome:
        raise NotImplementedError

    async def other(env: Env, size: Size) -> Outcome:
        raise NotImplementedError

    sizes = {"test": Size(1), "quick": Size(1), "full": Size(1)}
    try:
        register("unit-twice", **sizes)(one)
        register("unit-twice", **sizes)(one)  # the same function again (a re-import): fine
        with pytest.raises(ValueError, match="registered twice"):
            register("unit-twice", **sizes)(other)
    finally:
        scenarios().pop("unit-twice")
