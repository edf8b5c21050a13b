"""Merging selections: fields by response key, fragments by (type condition, conditions,
defer)."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.operation.ir import Field, InlineFragment, Selection, SelectionSet


def merge_selections(selections: Iterable[Selection]) -> SelectionSet:
    """Merge same-key fields (and same fragments) recursively, keeping first-seen order."""
    order: list[tuple[object, ...]] = []
    fields: dict[tuple[object, ...], list[Selection]] = {}
    for sel in _spliced(selections):
        if isinstance(sel, Field):
            key: tuple[object, ...] = ("f", sel.response_key, sel.name, sel.arguments)
        else:
            key = ("i", sel.type_condition, sel.conditions, sel.defer)
        bucket = fields.get(key)
        if bucket is None:
            fields[key] = [sel]
            order.append(key)
        else:
            bucket.append(sel)
    out: list[Selection] = []
    for key in order:
        bucket = fields[key]
        first = bucket[0]
        if len(bucket) == 1:
            out.append(first)
            continue
        if isinstance(first, Field):
            if first.selections is None:
                out.append(first)
            else:
                subs = [s for f in bucket if isinstance(f, Field) for s in f.selections or ()]
                out.append(first.with_selections(merge_selections(subs)))
        else:
            subs = [s for f in bucket if isinstance(f, InlineFragment) for s in f.selections]
            out.append(first.with_selections(merge_selections(subs)))
    return tuple(out)


def _spliced(selections: Iterable[Selection]) -> Iterable[Selection]:
    """A fragment with neither type condition, condition nor defer is just its selections."""
    for sel in selections:
        if (
            isinstance(sel, InlineFragment)
            and sel.type_condition is None
            and not sel.conditions
            and sel.defer is None
        ):
            yield from _spliced(sel.selections)
        else:
            yield sel
