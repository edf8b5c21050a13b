"""Progress of long CLI work: a bar with rate and ETA at a terminal, plain lines otherwise.

``with progress("verify", total=n, unit="entries") as bar: bar.update(done)`` — at a
terminal (stderr is a TTY) a rich bar with done/total, percent, rate, elapsed and time left;
elsewhere (CI, a pipe, a log file) one plain line every ``interval_s`` seconds and one at the
end, so a long run is never silent and a log stays readable. ``total=None`` is work of
unknown size (a spinner with elapsed time; lines say what is done so far). Everything goes to
stderr: stdout stays for the command's output (an export written to stdout, JSON).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Protocol, TextIO

_INTERVAL_S = 5.0


class Tracker(Protocol):
    def update(self, completed: int) -> None:
        """``completed`` units are done (absolute, not an increment)."""
        ...

    def note(self, text: str) -> None:
        """A step worth a line of its own (an engine started, a phase begun)."""
        ...

    def set_total(self, total: int | None) -> None:
        """The size of the work, once known."""
        ...


def _rate(done: int, elapsed: float) -> float:
    return done / elapsed if elapsed > 0 else 0.0


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    minutes, secs = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return (
        f"{hours}h{minutes:02d}m{secs:02d}s"
        if hours
        else (f"{minutes}m{secs:02d}s" if minutes else f"{secs}s")
    )


class PlainTracker:
    """Periodic lines: ``verify: 120,000/1,000,000 entries (12.0%), 41,000/s, ETA 21s``."""

    def __init__(
        self,
        label: str,
        total: int | None,
        unit: str,
        stream: TextIO,
        interval_s: float = _INTERVAL_S,
        clock: Any = time.monotonic,
    ) -> None:
        self.label, self.total, self.unit, self.stream = label, total, unit, stream
        self.interval_s, self._clock = interval_s, clock
        self.started = self._last = clock()
        self.completed = 0

    def _line(self, text: str) -> None:
        print(f"{self.label}: {text}", file=self.stream, flush=True)

    def status(self) -> str:
        elapsed = self._clock() - self.started
        rate = _rate(self.completed, elapsed)
        if self.total is None:
            return f"{self.completed:,} {self.unit} so far, {rate:,.0f}/s, {_duration(elapsed)}"
        share = 100.0 * self.completed / self.total if self.total else 100.0
        left = (self.total - self.completed) / rate if rate > 0 else None
        eta = f", ETA {_duration(left)}" if left is not None else ""
        return f"{self.completed:,}/{self.total:,} {self.unit} ({share:.1f}%), {rate:,.0f}/s{eta}"

    def update(self, completed: int) -> None:
        self.completed = completed
        now = self._clock()
        if now - self._last >= self.interval_s:
            self._last = now
            self._line(self.status())

    def note(self, text: str) -> None:
        self._line(f"{text} ({_duration(self._clock() - self.started)})")

    def set_total(self, total: int | None) -> None:
        self.total = total

    def finish(self) -> None:
        elapsed = self._clock() - self.started
        if elapsed >= self.interval_s or self.total is None:
            rate = _rate(self.completed, elapsed)
            self._line(f"{self.completed:,} {self.unit} in {_duration(elapsed)} ({rate:,.0f}/s)")


class _RichTracker:
    def __init__(self, bar: Any, task: Any) -> None:
        self._bar, self._task = bar, task
        self._last = 0.0
        self.completed = 0

    def update(self, completed: int) -> None:
        self.completed = completed
        now = time.monotonic()
        if now - self._last >= 0.1:  # rich redraws ~10 times a second anyway
            self._last = now
            self._bar.update(self._task, completed=completed)

    def note(self, text: str) -> None:
        self._bar.console.print(text)

    def set_total(self, total: int | None) -> None:
        self._bar.update(self._task, total=total)

    def finish(self) -> None:
        self._bar.update(self._task, completed=self.completed)


@contextmanager
def _rich(label: str, total: int | None, unit: str, stream: TextIO) -> Iterator[Any]:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        ProgressColumn,
        SpinnerColumn,
        Task,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )
    from rich.text import Text

    class RateColumn(ProgressColumn):
        def render(self, task: Task) -> Text:
            speed = task.finished_speed or task.speed
            return Text("" if speed is None else f"{speed:,.0f} {unit}/s")

    # The same columns whether the size is known yet or not (``set_total`` comes later):
    # without a total the bar pulses and the ETA shows ``-:--:--``.
    columns: list[Any] = [
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TaskProgressColumn(),
        RateColumn(),
        TimeElapsedColumn(),
        TextColumn("ETA"),
        TimeRemainingColumn(),
    ]
    with Progress(*columns, console=Console(file=stream), transient=False) as bar:
        tracker = _RichTracker(bar, bar.add_task(label, total=total))
        yield tracker


@contextmanager
def progress(
    label: str,
    total: int | None = None,
    *,
    unit: str = "items",
    stream: TextIO | None = None,
    interval_s: float = _INTERVAL_S,
    interactive: bool | None = None,
) -> Iterator[Tracker]:
    """A tracker for work of ``total`` units (see the module docstring)."""
    out = sys.stderr if stream is None else stream
    if interactive is None:
        interactive = bool(getattr(out, "isatty", lambda: False)())
    if interactive:
        with _rich(label, total, unit, out) as rich_tracker:
            yield rich_tracker
            rich_tracker.finish()
        return
    plain = PlainTracker(label, total, unit, out, interval_s)
    yield plain
    plain.finish()
