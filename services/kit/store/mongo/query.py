"""Flat filters and keyset conditions as MongoDB query documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def mongo_filter(triples: Sequence[tuple[str, str, Any]]) -> dict[str, Any]:
    """The query document for checked filter triples (see ``rules.check_filter``)."""
    query: dict[str, Any] = {}
    for field, op, value in triples:
        if op == "$eq":
            query[field] = value
        else:
            query.setdefault(field, {})[op] = value
    return query


def keyset_filter(keys: Sequence[tuple[str, int]], last: Sequence[Any]) -> dict[str, Any]:
    """Documents strictly after ``last`` in the order ``keys`` (null/missing sort first)."""
    ors: list[dict[str, Any]] = []
    for i, (field, direction) in enumerate(keys):
        branch: dict[str, Any] = {f: last[j] for j, (f, _) in enumerate(keys[:i])}
        value = last[i]
        if direction == 1:
            step = {"$ne": None} if value is None else {"$gt": value}
            branch[field] = step
            ors.append(branch)
        elif value is not None:
            ors.append({"$and": [branch, {"$or": [{field: {"$lt": value}}, {field: None}]}]})
    return {"$or": ors} if ors else {"_id": {"$exists": False}}
