"""``@fromContext`` arguments: read each target's value from its nearest holding ancestor.

The planner selected the context value on every ancestor able to hold it, under a private
key (``ContextInput.key``); targets are grouped by the values they get, so each group goes
to the subgraph with its own variables (an entity may appear in two groups: the same
transaction under two users with different currencies).
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.executor.flatten import Target, listed
from gateway.executor.relations import TypeRelations
from gateway.plan import ContextInput


def context_batches(
    data: dict[str, Any],
    targets: list[Target],
    inputs: tuple[ContextInput, ...],
    relations: TypeRelations,
) -> list[tuple[dict[str, Any], list[Target]]]:
    groups: dict[bytes, tuple[dict[str, Any], list[Target]]] = {}
    for target in targets:
        chain = _ancestors(data, target)
        values = {ci.variable: _value(chain, ci, relations) for ci in inputs}
        key = orjson.dumps(values, option=orjson.OPT_SORT_KEYS)
        groups.setdefault(key, (values, []))[1].append(target)
    return list(groups.values())


def _ancestors(data: dict[str, Any], target: Target) -> list[dict[str, Any]]:
    """Objects from the root down to the target's parent (the target excluded)."""
    chain: list[dict[str, Any]] = []
    current: Any = data
    for key in listed(target[1])[:-1]:
        if type(current) is dict:
            current = current.get(key)  # type: ignore[arg-type]
        elif type(current) is list and isinstance(key, int) and key < len(current):
            current = current[key]
        else:
            break
        if type(current) is dict:
            chain.append(current)
    return chain


def _value(chain: list[dict[str, Any]], ci: ContextInput, relations: TypeRelations) -> Any:
    for ancestor in reversed(chain):
        if ci.key not in ancestor:
            continue
        typename = ancestor.get("__typename")
        for condition, path in ci.paths:
            if isinstance(typename, str) and not relations.matches(typename, condition):
                continue
            value = ancestor[ci.key]
            for key in path:
                value = value.get(key) if type(value) is dict else None
            if value is not None or typename is not None:
                return value
    return None
