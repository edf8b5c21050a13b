"""Field sets of ``@key``/``@requires``/``@provides``, parsed against the full supergraph."""

from __future__ import annotations

import hashlib

from graphql import (
    GraphQLCompositeType,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    parse,
)

from gateway.operation.ir import Field, InlineFragment, Selection, SelectionSet
from gateway.operation.normalize import OperationError, normalize_selection_set
from gateway.ports import SupergraphError


class FieldSets:
    """Parses field sets once per (type, text): the same key recurs on every graph."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.cache: dict[tuple[str, str], SelectionSet] = {}

    def get(self, type_name: str, text: str, where: str) -> SelectionSet:
        hit = self.cache.get((type_name, text))
        if hit is None:
            hit = self.cache[(type_name, text)] = self._parse(type_name, text, where)
        return hit

    def _parse(self, type_name: str, text: str, where: str) -> SelectionSet:
        gtype = self.schema.get_type(type_name)
        if not isinstance(gtype, GraphQLCompositeType):
            raise SupergraphError(f"invalid supergraph: {where}: {type_name} is not composite")
        try:
            doc = parse("{" + text + "}", no_location=True)
        except GraphQLError as exc:
            raise SupergraphError(f"invalid supergraph: {where}: {exc.message}") from None
        op = doc.definitions[0]
        assert isinstance(op, OperationDefinitionNode)
        try:
            return normalize_selection_set(self.schema, gtype, op.selection_set)
        except OperationError as exc:
            raise SupergraphError(f"invalid supergraph: {where}: {exc}") from None


def alias_arguments(sels: SelectionSet) -> SelectionSet:
    """Alias required fields that take arguments, one alias per argument set.

    Two ``@requires`` may read one field with different arguments; the producer then fetches
    each under its own alias and the representation is built from that alias.
    """
    out: list[Selection] = []
    for sel in sels:
        if isinstance(sel, InlineFragment):
            out.append(sel.with_selections(alias_arguments(sel.selections)))
            continue
        sub = alias_arguments(sel.selections) if sel.selections is not None else None
        alias = sel.alias
        if sel.arguments and alias is None:
            digest = hashlib.sha1(repr(sel.arguments).encode()).hexdigest()[:8]
            alias = f"{sel.name}__req_{digest}"
        out.append(Field(sel.name, alias, sel.arguments, sub, sel.variables))
    return tuple(out)
