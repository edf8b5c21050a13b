"""What the chaos rig reads from its samples of the relay counters: events relayed between
two moments, and the longest stall (events waiting, none relayed)."""

from __future__ import annotations

from typing import Any

from bench.chaos.rig import Rig, Sample


def rig_with(*rows: tuple[float, float, float, float]) -> Rig:
    rig = Rig.__new__(Rig)  # only the samples matter here: no service, no engines
    rig.samples = [Sample(*row) for row in rows]
    return rig


def stall(*rows: Any, start: float = 0.0, end: float = 100.0) -> float:
    return rig_with(*rows).longest_stall(start, end)


def test_events_that_keep_flowing_never_stall() -> None:
    assert stall((0, 10, 5, 5), (1, 20, 15, 5), (2, 30, 25, 5)) == 0.0


def test_nothing_waiting_is_no_stall_even_when_nothing_is_relayed() -> None:
    assert stall((0, 10, 10, 0), (5, 10, 10, 0), (9, 10, 10, 0)) == 0.0


def test_the_longest_stall_is_measured_from_the_last_progress() -> None:
    rows = [
        (0, 10, 10, 0),
        (1, 12, 10, 2),  # waiting, and the sample before was the last to see progress
        (2, 14, 10, 4),
        (4, 16, 10, 6),
        (5, 18, 18, 0),  # flowing again: a stall of at most 5 s (0 → 5)
        (6, 20, 18, 2),
        (7, 20, 20, 0),  # at most 2 s (5 → 7)
    ]
    assert stall(*rows) == 5.0
    assert stall(*rows, start=4.5) == 2.0  # only the samples inside the window count


def test_a_stall_still_going_at_the_end_counts_up_to_the_last_sample() -> None:
    assert stall((0, 10, 10, 0), (2, 12, 10, 2), (10, 20, 10, 10)) == 10.0


def test_events_relayed_between_two_moments() -> None:
    rig = rig_with((0, 10, 5, 5), (1, 20, 15, 5), (3, 30, 40, 0), (9, 50, 50, 0))
    assert rig.flowed_between(0.5, 5) == 25  # 15 → 40
    assert rig.flowed_between(2, 2.5) == 0  # no two samples inside: nothing known
