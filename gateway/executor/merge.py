"""Deep-merge a subgraph result into the result tree (objects by key, equal lists by index)."""

from __future__ import annotations

from typing import Any


def deep_merge(target: dict[str, Any], source: dict[str, Any], abstract: frozenset[str]) -> None:
    """Merge ``source`` into ``target`` in place.

    An incoming ``__typename`` naming an abstract type (what an ``@interfaceObject`` subgraph
    answers) never replaces a concrete one already known.
    """
    for key, value in source.items():
        current = target.get(key)
        if current is None:
            target[key] = value
        elif type(value) is dict:
            if type(current) is dict:
                deep_merge(current, value, abstract)
            else:
                target[key] = value
        elif type(value) is list:
            if type(current) is list and len(current) == len(value):
                _merge_lists(current, value, abstract)
            else:
                target[key] = value
        elif key == "__typename" and value in abstract:
            continue
        else:
            target[key] = value


def _merge_lists(current: list[Any], incoming: list[Any], abstract: frozenset[str]) -> None:
    for index, value in enumerate(incoming):
        existing = current[index]
        if type(existing) is dict and type(value) is dict:
            deep_merge(existing, value, abstract)
        elif type(existing) is list and type(value) is list and len(existing) == len(value):
            _merge_lists(existing, value, abstract)
        else:
            current[index] = value
