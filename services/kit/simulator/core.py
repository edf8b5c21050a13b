"""The simulated OPD application: tables, a workflow that changes them, and injectable faults."""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from services.kit.simulator.table import Clock, Record, Table

Action = Callable[["Simulator", Mapping[str, Any]], list[tuple[str, Record]]]
"""A workflow step: mutate tables through ``sim.save`` and return what changed."""


class ActionError(ValueError):
    """An admin-requested action cannot happen (unknown name, bad parameter, no candidate)."""


@dataclass(frozen=True)
class Workflow:
    """What one OPD simulator is: its tables, its seed data and its state changes."""

    name: str
    tables: Callable[[Clock], list[Table]]
    seed: Callable[[Simulator], None]
    actions: Mapping[str, Action]
    weights: Mapping[str, float]  # how often the driver picks each action


@dataclass
class Faults:
    down: bool = False  # API answers 503 (the application is down)
    fail_next: int = 0  # the next N API calls answer 500
    delay_s: float = 0.0  # every API call waits this long first (timeouts)


@dataclass
class Simulator:
    workflow: Workflow
    seed: int = 42
    clock: Clock = field(default_factory=Clock)
    faults: Faults = field(default_factory=Faults)
    listeners: list[Callable[[str, Record], None]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.tables: dict[str, Table] = {t.name: t for t in self.workflow.tables(self.clock)}
        self.workflow.seed(self)

    def table(self, name: str) -> Table:
        return self.tables[name]

    def save(self, resource: str, record: Record, *, stamp: bool = True) -> Record:
        """Store a changed record and tell the listeners (the push webhook)."""
        rec = self.tables[resource].put(record, stamp=stamp)
        for listener in self.listeners:
            listener(resource, rec)
        return rec

    def act(self, name: str, params: Mapping[str, Any] | None = None) -> list[tuple[str, Record]]:
        try:
            action = self.workflow.actions[name]
        except KeyError:
            raise ActionError(f"unknown action {name!r}") from None
        return action(self, params or {})

    def act_randomly(self) -> list[tuple[str, Record]]:
        names = list(self.workflow.weights)
        name = self.rng.choices(names, weights=[self.workflow.weights[n] for n in names])[0]
        try:
            return self.act(name)
        except ActionError:
            return []  # e.g. nothing left to approve right now
