"""Readiness: probe the engines (and any named extra) until they answer, then keep watching.

A service starts even when an engine is down; ``Readiness`` reports not-ready with the reason
and keeps probing with capped backoff, logging one line per state change — no crash loop,
no busy loop.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from services.kit.backoff import Backoff

log = logging.getLogger("rumah.readiness")

Probe = Callable[[], Awaitable[object]]
Listener = Callable[[str, str | None], None]  # (probe name, why it failed or None)


@dataclass(frozen=True, slots=True)
class ReadinessState:
    ready: bool
    reasons: Mapping[str, str]  # probe name → why it failed (empty when ready)

    def as_dict(self) -> dict[str, object]:
        """For a ``/readyz`` body."""
        return {"ready": self.ready, "failing": dict(self.reasons)}


class Readiness:
    """``async with Readiness({"store": store.ping, "log": log.ping}) as ready:``.

    Healthy probes are re-run every ``interval_s``; while any fails they are re-run with
    backoff from ``retry_initial_s`` up to ``retry_max_s``. A probe slower than
    ``probe_timeout_s`` counts as failed.
    """

    def __init__(
        self,
        probes: Mapping[str, Probe],
        *,
        interval_s: float = 5.0,
        retry_initial_s: float = 0.2,
        retry_max_s: float = 5.0,
        probe_timeout_s: float = 3.0,
        listener: Listener | None = None,
        details: Mapping[str, Mapping[str, str]] | None = None,
    ) -> None:
        """``listener`` hears every probe result (an ``EngineGate``); ``details`` are fields
        logged with a probe's state changes (the engine, its address, what fixes it)."""
        self._probes = dict(probes)
        self._listener = listener
        self._details = dict(details or {})
        self._interval_s = interval_s
        self._backoff = Backoff(initial=retry_initial_s, maximum=retry_max_s)
        self._probe_timeout_s = probe_timeout_s
        self._reasons: dict[str, str] = {name: "not probed yet" for name in self._probes}
        self._probed: set[str] = set()
        self._changed = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def add_probe(self, name: str, probe: Probe) -> None:
        """Add a named probe (e.g. a service's upstream) before or while running."""
        self._probes[name] = probe
        self._reasons.setdefault(name, "not probed yet")

    @property
    def probes(self) -> tuple[str, ...]:
        """The names of the probes (``store``, ``log``, …)."""
        return tuple(self._probes)

    @property
    def state(self) -> ReadinessState:
        return ReadinessState(not self._reasons, dict(self._reasons))

    @property
    def ready(self) -> bool:
        return not self._reasons

    async def wait_ready(self, timeout_s: float | None = None) -> bool:
        """Wait until ready (or ``timeout_s``); return readiness."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while not self.ready:
            self._changed.clear()
            remaining = None if deadline is None else deadline - loop.time()
            if remaining is not None and remaining <= 0:
                break
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                break
        return self.ready

    async def check_once(self) -> ReadinessState:
        """Run every probe once and update the state."""
        names = list(self._probes)
        results = await asyncio.gather(*(self._run(self._probes[n]) for n in names))
        for name, failure in zip(names, results, strict=True):
            self._record(name, failure)
        return self.state

    async def _run(self, probe: Probe) -> str | None:
        try:
            await asyncio.wait_for(probe(), self._probe_timeout_s)
        except TimeoutError:
            return f"no answer within {self._probe_timeout_s}s"
        except Exception as exc:  # any failure of a probe means not ready, with its reason
            return f"{type(exc).__name__}: {exc}"
        return None

    def _record(self, name: str, failure: str | None) -> None:
        if self._listener is not None:
            self._listener(name, failure)
        details = self._details.get(name, {})
        first = name not in self._probed
        self._probed.add(name)
        was_down = name in self._reasons
        if failure is None:
            self._reasons.pop(name, None)
            if was_down:
                log.warning("readiness.up", extra={"probe": name, "ready": self.ready, **details})
                self._changed.set()
        else:
            self._reasons[name] = failure  # still down: keep the latest reason, no new line
            if first or not was_down:
                log.warning("readiness.down", extra={"probe": name, **details, "reason": failure})
                self._changed.set()

    async def __aenter__(self) -> Readiness:
        self._stop.clear()
        self._task = asyncio.create_task(self._watch(), name="readiness")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _watch(self) -> None:
        while not self._stop.is_set():
            state = await self.check_once()
            if state.ready:
                self._backoff.reset()
                delay = self._interval_s
            else:
                delay = self._backoff.next_delay()
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except TimeoutError:
                pass
