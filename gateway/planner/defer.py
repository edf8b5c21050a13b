"""``@defer`` in planning: deferred fragments become their own fetches.

A deferred fragment is never fetched with its surroundings. The router treats it as
*missing* wherever it sits; the nearest entity position covers it with entity fetches of its
own (a jump back to the same subgraph allowed), tagged with the fragment's ``Defer`` — or,
at the query root, with root fetches of its own. Every fetch group created below a tagged
one inherits the tag. Emission then splits the fetch graph: untagged groups are the primary
plan; each deferred fragment's groups are a ``DeferredNode`` whose fetches run once the
primary (and the deferred fragment it sits in, if any) has finished. The key and
``__typename`` a deferred fetch needs are fetched by the primary, as for any entity jump.

A deferred fragment that cannot be planned apart (no resolvable key where it sits, a value
type without an entity ancestor able to jump, …) makes the planner fall back to the whole
operation without ``@defer`` — the spec lets a server deliver deferred data at once.
"""

from __future__ import annotations

from gateway.operation.ir import Defer, Field, InlineFragment, Selection, SelectionSet
from gateway.operation.merge import merge_selections


def extract_deferred(
    sels: SelectionSet,
) -> tuple[SelectionSet, list[tuple[Defer, SelectionSet]]]:
    """Take the deferred fragments out of ``sels`` — those reached through fragments, not
    through fields: (the rest, [(defer, its content inside the fragments leading to it)]).
    A deferred fragment directly inside another stays in that one's content."""
    kept: list[Selection] = []
    found: list[tuple[Defer, SelectionSet]] = []
    for sel in sels:
        if isinstance(sel, Field):
            kept.append(sel)
            continue
        if sel.defer is not None:
            undeferred = InlineFragment(sel.type_condition, sel.selections, sel.conditions)
            found.append((sel.defer, merge_selections((undeferred,))))
            continue
        inner_kept, inner_found = extract_deferred(sel.selections)
        if inner_kept:
            kept.append(sel.with_selections(inner_kept))
        for defer, content in inner_found:
            found.append((defer, (sel.with_selections(content),)))
    return merge_selections(kept), found


def deferred_again(defer: Defer, sels: SelectionSet) -> SelectionSet:
    """``sels`` (part of ``defer``'s content) as still deferred by it."""
    return (InlineFragment(None, sels, (), defer),) if sels else ()


def defers_in(sels: SelectionSet, out: dict[int, Defer] | None = None) -> dict[int, Defer]:
    """Every ``Defer`` of the selections, by id."""
    found: dict[int, Defer] = {} if out is None else out
    for sel in sels:
        if isinstance(sel, Field):
            if sel.selections:
                defers_in(sel.selections, found)
            continue
        if sel.defer is not None:
            found[sel.defer.id] = sel.defer
        defers_in(sel.selections, found)
    return found
