"""Subtype relations of one schema, precomputed once so the hot path is a set lookup."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from graphql import GraphQLInterfaceType, GraphQLSchema, GraphQLUnionType


@dataclass(frozen=True, slots=True)
class TypeRelations:
    """``possible[A]``: every type name that is a subtype of the abstract type ``A``."""

    possible: Mapping[str, frozenset[str]]
    abstract: frozenset[str]

    def matches(self, typename: str, condition: str) -> bool:
        """Whether an object whose ``__typename`` is ``typename`` satisfies ``... on condition``."""
        return typename == condition or typename in self.possible.get(condition, ())

    @classmethod
    def from_schema(cls, schema: GraphQLSchema) -> TypeRelations:
        possible: dict[str, frozenset[str]] = {}
        for name, gtype in schema.type_map.items():
            if isinstance(gtype, GraphQLUnionType):
                possible[name] = frozenset(t.name for t in gtype.types)
            elif isinstance(gtype, GraphQLInterfaceType):
                impls = schema.get_implementations(gtype)
                possible[name] = frozenset(
                    [t.name for t in impls.objects] + [t.name for t in impls.interfaces]
                )
        return cls(possible=possible, abstract=frozenset(possible))


EMPTY_RELATIONS = TypeRelations(possible={}, abstract=frozenset())
