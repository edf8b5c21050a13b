"""Find the objects a ``FlattenNode`` path reaches in the result tree.

Path elements: a response key; ``"@"`` = every item of a list; ``"... on A|B"`` = keep only
objects whose ``__typename`` satisfies one of the conditions. Walking stops at null or
missing values. Each target carries a path link ``(parent link, key)`` from which its client
path is listed only when an error needs it.
"""

from __future__ import annotations

from typing import Any

from gateway.executor.relations import TypeRelations

PathLink = tuple[Any, str | int] | None
Target = tuple[dict[str, Any], PathLink]
_FRAGMENT = "... on "


def collect_targets(
    data: dict[str, Any], path: tuple[str, ...], relations: TypeRelations
) -> list[Target]:
    # Level by level rather than recursively: one Python loop per path element.
    current: list[tuple[Any, PathLink]] = [(data, None)]
    for element in path:
        found: list[tuple[Any, PathLink]] = []
        if element == "@":
            append = found.append
            for value, link in current:
                if type(value) is list:
                    # inlined _items: this loop runs once per list item of every flatten path
                    for index, item in enumerate(value):
                        if item is not None:
                            append((item, (link, index)))
                elif type(value) is dict:
                    append((value, link))
        elif element.startswith(_FRAGMENT):
            conditions = element[len(_FRAGMENT) :].split("|")
            for value, link in _objects(current):
                typename = value.get("__typename")
                if isinstance(typename, str) and any(
                    relations.matches(typename, c) for c in conditions
                ):
                    found.append((value, link))
        else:
            append = found.append
            for value, link in _objects(current):
                child = value.get(element)
                if child is not None:
                    append((child, (link, element)))
        if not found:
            return []
        current = found
    return _objects(current)


def _items(values: list[Any], link: PathLink, out: list[tuple[Any, PathLink]]) -> None:
    for index, item in enumerate(values):
        if item is not None:
            out.append((item, (link, index)))


def _objects(entries: list[tuple[Any, PathLink]]) -> list[Target]:
    """The dicts among ``entries``, with lists (nested too) flattened into their items."""
    for value, _ in entries:
        if type(value) is not dict:
            break
    else:
        return entries
    out: list[Target] = []
    pending = list(entries)
    while pending:
        value, link = pending.pop(0)
        if type(value) is dict:
            out.append((value, link))
        elif type(value) is list:
            nested: list[tuple[Any, PathLink]] = []
            _items(value, link, nested)
            pending[:0] = nested
    return out


def listed(link: PathLink) -> list[str | int]:
    """The client path a link stands for."""
    out: list[str | int] = []
    while link is not None:
        link, key = link
        out.append(key)
    out.reverse()
    return out
