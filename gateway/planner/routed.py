"""The routing result: a client selection annotated with where each part is fetched.

``RField``/``RFragment`` are selected in the graph being routed; an ``RJump`` at a position
means "from here, fetch ``items`` from ``graph`` through ``_entities``", after the parent
fetched ``pre`` (key and required fields, possibly with their own jumps).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

from gateway.operation.ir import Condition, Defer, Field, SelectionSet
from gateway.planner.contexts import ContextUse


@dataclass(frozen=True, slots=True)
class RField:
    field: Field  # name/alias/arguments (its selections are ignored)
    type_name: str  # named return type in the supergraph
    list_depth: int
    items: tuple[RItem, ...] | None = None  # None for leaves


@dataclass(frozen=True, slots=True)
class RFragment:
    type_condition: str | None
    conditions: tuple[Condition, ...]
    items: tuple[RItem, ...]


@dataclass(frozen=True, slots=True)
class RJump:
    graph: str  # target subgraph
    source_type: str  # type at the jump position (``... on source_type`` in representations)
    entity_type: str  # type selected in ``_entities`` on the target
    key: SelectionSet
    requires: SelectionSet  # required fields added to the representation
    pre: tuple[RItem, ...]  # routed in the parent graph: key + requires (and their jumps)
    items: tuple[RItem, ...]  # routed in ``graph`` under ``... on entity_type``
    rewrite_typename: bool = False  # representation ``__typename`` := ``entity_type``
    root: bool = False  # a query-root fetch merged at this position (no representations)
    contexts: tuple[ContextUse, ...] = ()  # @fromContext arguments of fields in ``items``
    defer: Defer | None = None  # the deferred fragment this fetch serves (its own fetch)


RItem: TypeAlias = RField | RFragment | RJump


@dataclass(frozen=True, slots=True)
class Routed:
    """What a graph can take of a selection: ``items``; what it cannot: ``missing``."""

    items: tuple[RItem, ...]
    missing: SelectionSet
    requires: SelectionSet = ()  # top-level requirements accepted at an entity entry
    cost: float = 0.0
    contexts: tuple[ContextUse, ...] = ()  # @fromContext arguments accepted at an entry


JUMP_COST = 1000.0
NESTED_JUMP_FACTOR = 1.5


def items_cost(items: tuple[RItem, ...]) -> float:
    """Apollo-like cost: each fetch 1000 plus its size; later stages weigh more."""
    total = 0.0
    for item in items:
        if isinstance(item, RField):
            total += 1.0
            if item.items:
                total += items_cost(item.items)
        elif isinstance(item, RFragment):
            total += items_cost(item.items)
        else:
            total += JUMP_COST + items_cost(item.pre)
            total += NESTED_JUMP_FACTOR * items_cost(item.items)
    return total


def has_jumps(items: tuple[RItem, ...]) -> bool:
    for item in items:
        if isinstance(item, RJump):
            return True
        if isinstance(item, RField) and item.items and has_jumps(item.items):
            return True
        if isinstance(item, RFragment) and has_jumps(item.items):
            return True
    return False
