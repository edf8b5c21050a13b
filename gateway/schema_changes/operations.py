"""Which known operations (a safelist, persisted queries) a new API schema would break:
each is validated against the new schema, as the gateway would on a request. The gateway's
hot reload can refuse a supergraph when this is non-empty (``docs/schema-changes.md``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from graphql import GraphQLError, GraphQLSchema, parse, validate


@dataclass(frozen=True, slots=True)
class BrokenOperation:
    id: str  # the safelist's id (hash or name) of the operation
    errors: tuple[str, ...]


def broken_operations(
    operations: Mapping[str, str] | Iterable[tuple[str, str]], schema: GraphQLSchema
) -> list[BrokenOperation]:
    """``operations``: id → document text. The ones that no longer validate, with why."""
    items = operations.items() if isinstance(operations, Mapping) else operations
    out: list[BrokenOperation] = []
    for op_id, text in items:
        try:
            document = parse(text)
        except GraphQLError as exc:
            out.append(BrokenOperation(op_id, (exc.message,)))
            continue
        errors = validate(schema, document)
        if errors:
            out.append(BrokenOperation(op_id, tuple(e.message for e in errors)))
    return out
