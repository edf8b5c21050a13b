"""Build ``$representations`` for an entity fetch from its ``requires`` selection.

The selection is evaluated on each target with the *supergraph* relations (it may name
``@inaccessible`` types). A target lacking a required value (it failed to load) or a
``__typename`` is not sent; explicit nulls pass through. Identical representations are
sent once; each keeps the list of targets it stands for.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson

from gateway.executor.flatten import Target
from gateway.executor.relations import TypeRelations
from gateway.executor.rewrites import apply_rewrites
from gateway.json_keys import json_key
from gateway.plan import FetchRewrite, FieldSel, InlineFragmentSel, Selection

_MISSING = object()
Evaluator = Callable[[dict[str, Any]], "dict[str, Any] | None"]
# a flat requires: per (type condition or None), the (response key, field name) pairs; the
# response keys are orjson's own key objects (gateway.json_keys)
FlatRequires = list[tuple[str | None, tuple[tuple[str, str], ...]]]
RequiresCache = dict[int, tuple[tuple[Selection, ...], Evaluator, "FlatRequires | None"]]
_CACHE_LIMIT = 8192


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
            assert isinstance(sel, InlineFragmentSel)
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
        items: list[Any] = []
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


def compile_requires(selections: tuple[Selection, ...], relations: TypeRelations) -> Evaluator:
    """A function evaluating ``selections`` on one object (the usual flat key selections —
    ``... on T { __typename k1 k2 }`` — get a loop without recursion)."""
    flat = _flat(selections)
    if flat is None:
        return lambda obj: evaluate_requires(obj, selections, relations)
    matches = relations.matches

    def evaluate(obj: dict[str, Any]) -> dict[str, Any] | None:
        typename = obj.get("__typename")
        out: dict[str, Any] = {}
        for condition, pairs in flat:
            if (
                condition is not None
                and typename != condition
                and (type(typename) is not str or not matches(typename, condition))
            ):
                continue
            for key, name in pairs:
                value = obj.get(key, _MISSING)
                if value is _MISSING:
                    return None
                out[name] = value
        return out

    return evaluate


def _flat(selections: tuple[Selection, ...]) -> FlatRequires | None:
    out: FlatRequires = []
    for sel in selections:
        if type(sel) is FieldSel:
            if sel.selections:
                return None
            out.append((None, ((json_key(sel.alias or sel.name), sel.name),)))
        elif type(sel) is InlineFragmentSel:
            pairs = []
            for inner in sel.selections:
                if type(inner) is not FieldSel or inner.selections:
                    return None
                pairs.append((json_key(inner.alias or inner.name), inner.name))
            out.append((sel.type_condition, tuple(pairs)))
        else:
            return None
    return out


def evaluator_for(
    cache: RequiresCache, selections: tuple[Selection, ...], relations: TypeRelations
) -> Evaluator:
    """The compiled evaluator of ``selections``, memoised by identity (plans are cached, so
    the same selection objects come back on every request)."""
    return requires_for(cache, selections, relations)[0]


def requires_for(
    cache: RequiresCache, selections: tuple[Selection, ...], relations: TypeRelations
) -> tuple[Evaluator, FlatRequires | None]:
    """``evaluator_for`` and the flat form of ``selections`` (None when it nests)."""
    entry = cache.get(id(selections))
    if entry is not None and entry[0] is selections:
        return entry[1], entry[2]
    evaluate = compile_requires(selections, relations)
    flat = _flat(selections)
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()  # plans come and go with the operation cache; keep this bounded too
    cache[id(selections)] = (selections, evaluate, flat)
    return evaluate, flat


def build_representations(
    targets: list[Target],
    requires: tuple[Selection, ...],
    input_rewrites: tuple[FetchRewrite, ...],
    relations: TypeRelations,
    evaluate: Evaluator | None = None,
) -> tuple[list[dict[str, Any]], list[list[Target]]]:
    """Deduplicated representations and, per representation, the targets it stands for."""
    if evaluate is None:
        evaluate = compile_requires(requires, relations)
    representations: list[dict[str, Any]] = []
    owners: list[list[Target]] = []
    index_of: dict[object, int] = {}
    dumps, sort_keys = orjson.dumps, orjson.OPT_SORT_KEYS
    for target in targets:
        rep = evaluate(target[0])
        if rep is None or not rep.get("__typename"):
            continue
        if input_rewrites:
            apply_rewrites(rep, input_rewrites, relations)
        # Scalar keys (the usual case) dedupe by their items — one requires selection fills
        # a representation's keys in one order; nested values by canonical JSON.
        key: object = tuple(rep.items())
        try:
            index = index_of.get(key)
        except TypeError:  # a list or object value: not hashable
            key = dumps(rep, option=sort_keys)
            index = index_of.get(key)
        if index is None:
            index_of[key] = len(representations)
            representations.append(rep)
            owners.append([target])
        else:
            owners[index].append(target)
    return representations, owners
