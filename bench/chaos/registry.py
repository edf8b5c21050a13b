"""The chaos scenarios: each a plain async function ``(env, size) -> Outcome``, registered under
a name with three sizes — ``test`` (the integration test, small), ``quick`` (``python -m
bench.chaos --quick``: a few minutes) and ``full``.

Registration point: a module listed in ``MODULES`` calls ``register`` at import time. To add
scenarios (service replicas, the ledger's standby, …) write ``bench/chaos/<topic>.py`` with
``@register("name", test=Size(...), quick=Size(...), full=Size(...))`` over each function and
add the module to ``MODULES``; the test module and ``python -m bench.chaos`` pick them up.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from infra.engines import Engines
from services.kit.backends import BackendSettings

MODULES = ("bench.chaos.cluster", "bench.chaos.lag", "bench.chaos.replicas")


@dataclass(frozen=True)
class Size:
    changes: int  # upstream changes in the burst
    rate: float = 20.0  # changes per second
    outage_s: float = 8.0  # how long the faulted engine stays down (or frozen)
    backlog: int = 0  # events waiting for a consumer before it starts (lag scenarios)


@dataclass(frozen=True)
class Env:
    """The engines ``rumah infra up`` started, and how the hub reaches them."""

    engines: Engines
    backends: BackendSettings


@dataclass
class Outcome:
    scenario: str
    produced: int  # events the service's store confirmed (each id once)
    chained: int  # entries the ledger chained for them
    duplicates: int  # event ids chained more than once
    broken: int  # 1: the ledger's chain does not verify
    max_recovery_s: float  # longest time from an engine's return until events flowed again
    problems: list[str] = field(default_factory=list)  # empty: nothing lost, nothing twice
    notes: dict[str, Any] = field(default_factory=dict)  # what else was measured

    @property
    def ok(self) -> bool:
        return not self.problems and self.duplicates == 0 and self.broken == 0

    def line(self) -> str:
        extra = " ".join(f"{k}={_fmt(v)}" for k, v in self.notes.items())
        return (
            f"{self.scenario} produced={self.produced} chained={self.chained} "
            f"duplicates={self.duplicates} broken={self.broken} "
            f"max_recovery_s={self.max_recovery_s:.1f}"
            + (f" {extra}" if extra else "")
            + ("" if self.ok else f" PROBLEMS={len(self.problems)}: {'; '.join(self.problems[:3])}")
        )


def _fmt(v: Any) -> str:
    return f"{v:.2f}" if isinstance(v, float) else str(v)


Scenario = Callable[[Env, Size], Awaitable[Outcome]]


@dataclass(frozen=True)
class Registered:
    run: Scenario
    test: Size
    quick: Size
    full: Size


SCENARIOS: dict[str, Registered] = {}


def register(name: str, *, test: Size, quick: Size, full: Size) -> Callable[[Scenario], Scenario]:
    def add(run: Scenario) -> Scenario:
        if name in SCENARIOS and SCENARIOS[name].run is not run:
            raise ValueError(f"chaos scenario {name!r} registered twice")
        SCENARIOS[name] = Registered(run, test, quick, full)
        return run

    return add


def scenarios() -> dict[str, Registered]:
    """Every registered scenario, in the order of ``MODULES`` then of registration."""
    for module in MODULES:
        importlib.import_module(module)
    return SCENARIOS
