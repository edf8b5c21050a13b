"""Leaf value checks: is a subgraph's value valid for the client-facing scalar or enum?

Each check returns the value to send (possibly normalised) or ``INVALID``. Values are
otherwise passed through unchanged, as Apollo's gateway does.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from graphql import GraphQLEnumType, GraphQLNamedType, GraphQLScalarType

INVALID: Any = object()
LeafCheck = Callable[[Any], Any]

_INT_MIN, _INT_MAX = -(2**31), 2**31 - 1


def _int(value: Any) -> Any:
    kind = type(value)
    if kind is int:
        return value if _INT_MIN <= value <= _INT_MAX else INVALID
    if kind is float and value.is_integer() and _INT_MIN <= value <= _INT_MAX:
        return int(value)
    return INVALID


def _float(value: Any) -> Any:
    kind = type(value)
    if kind is float:
        return value if math.isfinite(value) else INVALID
    return value if kind is int else INVALID


def _string(value: Any) -> Any:
    return value if type(value) is str else INVALID


def _boolean(value: Any) -> Any:
    return value if type(value) is bool else INVALID


def _id(value: Any) -> Any:
    kind = type(value)
    return value if kind is str or kind is int else INVALID


def leaf_any(value: Any) -> Any:
    return value


_BUILTIN: dict[str, LeafCheck] = {
    "Int": _int,
    "Float": _float,
    "String": _string,
    "Boolean": _boolean,
    "ID": _id,
}


def leaf_check(named: GraphQLNamedType) -> LeafCheck:
    """The check for a scalar or enum type of the API schema (custom scalars: any JSON)."""
    if isinstance(named, GraphQLEnumType):
        allowed = frozenset(named.values)

        def _enum(value: Any) -> Any:
            return value if type(value) is str and value in allowed else INVALID

        return _enum
    if isinstance(named, GraphQLScalarType):
        return _BUILTIN.get(named.name, leaf_any)
    raise TypeError(f"{named} is not a leaf type")
