"""Find the objects a ``FlattenNode`` path reaches in the result tree.

Path elements: a response key; ``"@"`` = every item of a list; ``"... on A|B"`` = keep only
objects whose ``__typename`` satisfies one of the conditions. Walking stops at null or
missing values. Each target comes with its client path (for error paths).
"""

from __future__ import annotations

from typing import Any

from gateway.executor.relations import TypeRelations

Target = tuple[dict[str, Any], list[str | int]]
_FRAGMENT = "... on "


def collect_targets(
    data: dict[str, Any], path: tuple[str, ...], relations: TypeRelations
) -> list[Target]:
    out: list[Target] = []
    _walk(data, path, 0, [], relations, out)
    return out


def _walk(
    value: Any,
    path: tuple[str, ...],
    depth: int,
    client_path: list[str | int],
    relations: TypeRelations,
    out: list[Target],
) -> None:
    if value is None:
        return
    if type(value) is list:
        # A list reached without an explicit "@" (e.g. at the end of the path) is flattened too.
        for index, item in enumerate(value):
            _walk(item, path, depth, [*client_path, index], relations, out)
        return
    if type(value) is not dict:
        return
    if depth == len(path):
        out.append((value, client_path))
        return
    element = path[depth]
    if element == "@":
        _walk(value, path, depth + 1, client_path, relations, out)
    elif element.startswith(_FRAGMENT):
        typename = value.get("__typename")
        conditions = element[len(_FRAGMENT) :].split("|")
        if isinstance(typename, str) and any(relations.matches(typename, c) for c in conditions):
            _walk(value, path, depth + 1, client_path, relations, out)
    elif element in value:
        _walk(value[element], path, depth + 1, [*client_path, element], relations, out)
