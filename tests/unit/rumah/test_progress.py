"""Long CLI work shows progress: a bar with rate and ETA at a terminal, plain lines elsewhere."""

from __future__ import annotations

import io

from rumah.common.progress import PlainTracker, progress


class _Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_plain_lines_come_every_interval_with_rate_and_eta() -> None:
    out, clock = io.StringIO(), _Clock()
    bar = PlainTracker("verify", 1_000_000, "entries", out, interval_s=5.0, clock=clock)
    clock.now += 1
    bar.update(40_000)
    assert out.getvalue() == ""  # not yet: one line per interval, not per update
    clock.now += 4
    bar.update(200_000)
    clock.now += 5
    bar.update(400_000)
    clock.now += 10
    bar.update(1_000_000)
    bar.finish()
    lines = out.getvalue().splitlines()
    assert lines == [
        "verify: 200,000/1,000,000 entries (20.0%), 40,000/s, ETA 20s",
        "verify: 400,000/1,000,000 entries (40.0%), 40,000/s, ETA 15s",
        "verify: 1,000,000/1,000,000 entries (100.0%), 50,000/s, ETA 0s",
        "verify: 1,000,000 entries in 20s (50,000/s)",
    ]


def test_work_of_unknown_size_and_notes() -> None:
    out, clock = io.StringIO(), _Clock()
    bar = PlainTracker("infra", None, "steps", out, interval_s=5.0, clock=clock)
    clock.now += 6
    bar.note("kafka: healthy")
    bar.update(1)
    bar.finish()
    assert out.getvalue().splitlines() == [
        "infra: kafka: healthy (6s)",
        "infra: 1 steps so far, 0/s, 6s",
        "infra: 1 steps in 6s (0/s)",
    ]


def test_a_quick_job_stays_quiet_off_a_terminal() -> None:
    out = io.StringIO()
    with progress("verify", 10, unit="entries", stream=out) as bar:
        bar.update(10)
    assert out.getvalue() == ""


def test_a_terminal_gets_a_bar_with_rate_and_eta() -> None:
    out = io.StringIO()
    with progress("verify", None, unit="entries", stream=out, interactive=True) as bar:
        bar.set_total(100)
        bar.update(50)
        bar.update(100)
    text = out.getvalue()
    assert "verify" in text and "100/100" in text and "ETA" in text and "entries/s" in text
