"""Build ``$representations`` for an entity fetch from its ``requires`` selection.

The selection is evaluated on each target with the *supergraph* relations (it may name
``@inaccessible`` types). A target lacking a required value (it failed to load) or a
``__typename`` is not sent; explicit nulls pass through. Identical representations are
sent once; each keeps the list of targets it stands for.
"""

from __future__ import annotations

from typing import Any

import orjson

from gateway.executor.flatten import Target
from gateway.executor.relations import TypeRelations
from gateway.executor.rewrites import apply_rewrites
from gateway.plan import FetchRewrite, FieldSel, Selection

_MISSING = object()


def evaluate_requires(
    obj: dict[str, Any], selections: tuple[Selection, ...], relations: TypeRelations
) -> dict[str, Any] | None:
    """The value of ``selections`` on ``obj``; None when a selected value is missing."""
    out: dict[str, Any] = {}
    if _select_into(obj, selections, relations, out):
        return out
    return None


def _select_into(
    obj: dict[str, Any],
    selections: tuple[Selection, ...],
    relations: TypeRelations,
    out: dict[str, Any],
) -> bool:
    for sel in selections:
        if type(sel) is FieldSel:
            value = obj.get(sel.alias or sel.name, _MISSING)
            if value is _MISSING:
                return False
            if sel.selections and value is not None:
                value = _select_value(value, sel.selections, relations)
                if value is _MISSING:
                    return False
            # Subgraphs read representations by field name; an alias only names where the
            # producer stored the value (e.g. two requires of one field with other arguments).
            previous = out.get(sel.name)
            if type(previous) is dict and type(value) is dict:
                _merge_plain(previous, value)
            else:
                out[sel.name] = value
        else:
            typename = obj.get("__typename")
            condition = sel.type_condition
            if condition is None or (
                isinstance(typename, str) and relations.matches(typename, condition)
            ):
                if not _select_into(obj, sel.selections, relations, out):
                    return False
    return True


def _select_value(value: Any, selections: tuple[Selection, ...], relations: TypeRelations) -> Any:
    if type(value) is list:
        items = []
        for item in value:
            if item is None:
                items.append(None)
                continue
            selected = _select_value(item, selections, relations)
            if selected is _MISSING:
                return _MISSING
            items.append(selected)
        return items
    if type(value) is not dict:
        return value
    out: dict[str, Any] = {}
    if not _select_into(value, selections, relations, out):
        return _MISSING
    return out


def _merge_plain(target: dict[str, Any], source: dict[str, Any]) -> None:
    for key, value in source.items():
        current = target.get(key)
        if type(current) is dict and type(value) is dict:
            _merge_plain(current, value)
        else:
            target[key] = value


def build_representations(
    targets: list[Target],
    requires: tuple[Selection, ...],
    input_rewrites: tuple[FetchRewrite, ...],
    relations: TypeRelations,
) -> tuple[list[dict[str, Any]], list[list[Target]]]:
    """Deduplicated representations and, per representation, the targets it stands for."""
    representations: list[dict[str, Any]] = []
    owners: list[list[Target]] = []
    index_of: dict[bytes, int] = {}
    for target in targets:
        rep = evaluate_requires(target[0], requires, relations)
        if rep is None or not rep.get("__typename"):
            continue
        if input_rewrites:
            apply_rewrites(rep, input_rewrites, relations)
        key = orjson.dumps(rep, option=orjson.OPT_SORT_KEYS)
        index = index_of.get(key)
        if index is None:
            index_of[key] = len(representations)
            representations.append(rep)
            owners.append([target])
        else:
            owners[index].append(target)
    return representations, owners
