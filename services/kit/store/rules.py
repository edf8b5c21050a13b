"""What both store adapters accept: document shape, field names, filters, cursors.

The rules keep stored documents portable to FerretDB (no ``.``/``$`` in keys, no nested
arrays) and keep the two adapters' query behaviour identical.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

import orjson

from services.kit.ports import (
    Document,
    Filter,
    OutboxEntry,
    PortError,
    SortSpec,
    Write,
    WriteResult,
)

OPERATORS = frozenset({"$gt", "$gte", "$lt", "$lte", "$ne", "$in"})
RESERVED = frozenset({"_id", "_v"})
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class InvalidDocument(PortError, ValueError):
    """A document, filter, sort or cursor the store cannot accept."""


def check_field(name: str) -> str:
    """A queryable/indexable field name: a plain identifier."""
    if not _FIELD.match(name):
        raise InvalidDocument(f"field {name!r} cannot be queried: use letters, digits and _")
    return name


def _check_value(value: Any, path: str, in_array: bool) -> None:
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str) or "." in key or key.startswith("$") or not key:
                raise InvalidDocument(f"key {path}.{key!r} must be a string without . or $")
            _check_value(item, f"{path}.{key}", False)
    elif isinstance(value, list | tuple):
        if in_array:
            raise InvalidDocument(f"{path} is a nested array (not portable to FerretDB)")
        for i, item in enumerate(value):
            _check_value(item, f"{path}[{i}]", True)
    elif value is not None and not isinstance(value, str | int | float | bool):
        raise InvalidDocument(f"{path} has a non-JSON value of type {type(value).__name__}")


_SCALARS = frozenset({str, int, float, bool, type(None)})


def split_document(doc: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    """Validate ``doc`` and return (its id, its state fields without reserved ones)."""
    doc_id = doc.get("_id")
    if not isinstance(doc_id, str) or not doc_id:
        raise InvalidDocument("a document needs a non-empty string _id")
    state: dict[str, Any] = {}
    for key, value in doc.items():
        if key in RESERVED:
            continue
        if not isinstance(key, str) or not key or key[0] in "_$" or "." in key:
            if isinstance(key, str) and key.startswith("_"):
                raise InvalidDocument(f"field {key!r}: names starting with _ are reserved")
            raise InvalidDocument(f"key {key!r} must be a string without . or $")
        # Fast path: canonical documents are mostly flat scalars (a write is checked on the
        # hot path, so the recursive walk runs only for nested values).
        if type(value) not in _SCALARS:
            _check_value(value, key, False)
        state[key] = value
    return doc_id, state


def check_filter(flt: Filter | None) -> list[tuple[str, str, Any]]:
    """Flatten a filter into (field, operator, value) triples; ``$eq`` for equality."""
    out: list[tuple[str, str, Any]] = []
    for field, cond in (flt or {}).items():
        check_field(field)
        if isinstance(cond, Mapping) and cond and all(str(k).startswith("$") for k in cond):
            for op, value in cond.items():
                if op not in OPERATORS:
                    raise InvalidDocument(f"operator {op!r} is not supported")
                if op == "$in" and not isinstance(value, list | tuple | set | frozenset):
                    raise InvalidDocument("$in needs a list")
                out.append((field, op, list(value) if op == "$in" else value))
        elif isinstance(cond, Mapping | list | tuple):
            raise InvalidDocument(f"filter on {field!r}: only scalar equality or operators")
        else:
            out.append((field, "$eq", cond))
    return out


def check_sort(sort: SortSpec) -> list[tuple[str, int]]:
    """The sort keys, always ending with ``_id`` (ascending) as the tie-breaker."""
    keys: list[tuple[str, int]] = []
    for field, direction in sort:
        check_field(field)
        if direction not in (1, -1):
            raise InvalidDocument(f"sort direction of {field!r} must be 1 or -1")
        keys.append((field, direction))
    if not any(f == "_id" for f, _ in keys):
        keys.append(("_id", 1))
    return keys


def encode_cursor(doc: Document, keys: Sequence[tuple[str, int]]) -> str:
    """An opaque keyset cursor: the sort values of ``doc``."""
    raw = orjson.dumps([doc.get(field) for field, _ in keys])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, keys: Sequence[tuple[str, int]]) -> list[Any]:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, orjson.JSONDecodeError) as exc:
        raise InvalidDocument("malformed cursor") from exc
    if not isinstance(values, list) or len(values) != len(keys):
        raise InvalidDocument("cursor does not match this sort")
    return values


def index_name(fields: Sequence[str], unique: bool) -> str:
    """The same index name in both adapters, so ``DuplicateKey.index`` matches."""
    return ("ux_" if unique else "ix_") + "_".join(check_field(f) for f in fields)


async def put_one(
    put_many: Callable[[Sequence[Write]], Awaitable[list[WriteResult]]],
    doc: Mapping[str, Any],
    expected_version: int,
    outbox: Sequence[OutboxEntry],
) -> int:
    """``put`` as a ``put_many`` of one write: the new version, or the refusal raised."""
    result = (await put_many([Write(doc, expected_version, outbox)]))[0]
    if isinstance(result, PortError):
        raise result
    return result
