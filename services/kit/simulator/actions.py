"""Helpers for workflow actions: today's local date, and the record an action changes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from services.kit.simulator.core import ActionError, Simulator
from services.kit.simulator.table import Record


def today(sim: Simulator) -> date:
    """The simulator's local (WIB) date."""
    return sim.clock.now().date()


def pick(
    sim: Simulator,
    resource: str,
    params: Mapping[str, Any],
    id_param: str,
    can: Callable[[Record], bool] = lambda r: True,
) -> Record:
    """A copy of the record ``params[id_param]`` names, or of a random one that ``can`` change.

    ``ActionError`` when the named record does not exist or cannot, or when none can. A
    record ``can`` cannot even read (garbage injected by a test) cannot change.
    """
    table, can = sim.table(resource), _tolerant(can)
    if params.get(id_param):
        rec = table.get(str(params[id_param]))
        if rec is None or not can(rec):
            raise ActionError(f"{resource} {params[id_param]!r} cannot make this change")
        return dict(rec)
    for _ in range(32):  # sample first: a scan per action is too slow at thousands per second
        rec = table.records[sim.rng.choice(table.ids)] if table.ids else None
        if rec is not None and can(rec):
            return dict(rec)
    candidates = [r for r in table.records.values() if can(r)]
    if not candidates:
        raise ActionError(f"no {resource} can make this change")
    return dict(sim.rng.choice(candidates))


def _tolerant(can: Callable[[Record], bool]) -> Callable[[Record], bool]:
    def check(rec: Record) -> bool:
        try:
            return bool(can(rec))
        except (KeyError, TypeError, ValueError, IndexError):
            return False

    return check
