"""Flat filters and keyset conditions translated to SQLite expressions over ``json_extract``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

_OPS = {"$gt": ">", "$gte": ">=", "$lt": "<", "$lte": "<="}


def column(field: str) -> str:
    """The SQL expression of a (checked) field name."""
    if field == "_id":
        return "id"
    if field == "_v":
        return "v"
    return f"json_extract(body, '$.{field}')"


def _cond(expr: str, op: str, value: Any) -> tuple[str, list[Any]]:
    # Null/missing follow MongoDB: {f: None} matches missing, $ne matches missing.
    if op == "$eq":
        return (f"{expr} IS NULL", []) if value is None else (f"{expr} = ?", [value])
    if op == "$ne":
        return (f"{expr} IS NOT NULL", []) if value is None else (f"{expr} IS NOT ?", [value])
    if op == "$in":
        values = [v for v in value if v is not None]
        parts = [f"{expr} IN ({','.join('?' * len(values))})"] if values else []
        if len(values) != len(value):
            parts.append(f"{expr} IS NULL")
        return ("(" + " OR ".join(parts) + ")" if parts else "0"), values
    if value is None:
        # MongoDB: $gte/$lte null match null/missing, $gt/$lt null match nothing.
        return (f"{expr} IS NULL", []) if op in ("$gte", "$lte") else ("0", [])
    return f"{expr} {_OPS[op]} ?", [value]


def where_sql(triples: Sequence[tuple[str, str, Any]]) -> tuple[str, list[Any]]:
    """An SQL ``WHERE`` body and its parameters for checked filter triples."""
    parts: list[str] = []
    params: list[Any] = []
    for field, op, value in triples:
        sql, args = _cond(column(field), op, value)
        parts.append(sql)
        params.extend(args)
    return (" AND ".join(parts) or "1"), params


def keyset_sql(keys: Sequence[tuple[str, int]], last: Sequence[Any]) -> tuple[str, list[Any]]:
    """Rows strictly after ``last`` in the order ``keys`` (nulls sort first, as in MongoDB)."""
    ors: list[str] = []
    params: list[Any] = []
    for i, (field, direction) in enumerate(keys):
        ands: list[str] = []
        for j, (prev_field, _) in enumerate(keys[:i]):
            sql, args = _cond(column(prev_field), "$eq", last[j])
            ands.append(sql)
            params.extend(args)
        expr, value = column(field), last[i]
        if direction == 1:
            step = (f"{expr} IS NOT NULL", []) if value is None else (f"{expr} > ?", [value])
        elif value is None:
            step = ("0", [])
        else:
            step = (f"({expr} < ? OR {expr} IS NULL)", [value])
        ands.append(step[0])
        params.extend(step[1])
        ors.append("(" + " AND ".join(ands) + ")")
    return " OR ".join(ors), params
