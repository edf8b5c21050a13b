"""Apply a fetch's input/output rewrites (``ValueSetter``, ``KeyRenamer``) in place.

A rewrite path is response keys and ``"... on T"`` elements; a fragment element applies when
the object's ``__typename`` satisfies ``T`` (for the first element of an entity, the
representation's ``__typename`` stands in when the entity came back without one).
"""

from __future__ import annotations

from typing import Any

from gateway.executor.merge import deep_merge
from gateway.executor.relations import TypeRelations
from gateway.plan import FetchRewrite, KeyRenamer

_FRAGMENT = "... on "


def apply_rewrites(
    value: Any,
    rewrites: tuple[FetchRewrite, ...],
    relations: TypeRelations,
    typename_hint: str | None = None,
) -> None:
    for rewrite in rewrites:
        _apply(value, rewrite, 0, relations, typename_hint)


def _apply(
    value: Any,
    rewrite: FetchRewrite,
    depth: int,
    relations: TypeRelations,
    typename_hint: str | None,
) -> None:
    if type(value) is list:
        for item in value:
            _apply(item, rewrite, depth, relations, None)
        return
    if type(value) is not dict:
        return
    path = rewrite.path
    element = path[depth]
    if element.startswith(_FRAGMENT):
        typename = value.get("__typename", typename_hint)
        if isinstance(typename, str) and relations.matches(typename, element[len(_FRAGMENT) :]):
            if depth + 1 < len(path):
                _apply(value, rewrite, depth + 1, relations, None)
        return
    if depth + 1 < len(path):
        if element in value:
            _apply(value[element], rewrite, depth + 1, relations, None)
        return
    if isinstance(rewrite, KeyRenamer):
        if element in value:
            moved = value.pop(element)
            existing = value.get(rewrite.rename_key_to)
            if type(existing) is dict and type(moved) is dict:
                # the same response key selected twice (e.g. on an interface and on an
                # implementation with a different local type): both selections land
                deep_merge(existing, moved, relations.abstract)
            elif type(existing) is list and type(moved) is list and len(existing) == len(moved):
                deep_merge(value, {rewrite.rename_key_to: moved}, relations.abstract)
            elif existing is None or moved is not None:
                value[rewrite.rename_key_to] = moved
    elif element in value:
        value[element] = rewrite.set_value_to
