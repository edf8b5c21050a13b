"""GraphQL type references (``[Int!]!``) as small immutable values."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import ListTypeNode, NamedTypeNode, NonNullTypeNode, TypeNode


@dataclass(frozen=True, slots=True)
class TypeRef:
    """``kind`` is ``named``, ``list`` or ``non_null``; ``name`` only for ``named``."""

    kind: str
    name: str = ""
    of: TypeRef | None = None

    def __str__(self) -> str:
        if self.kind == "named":
            return self.name
        if self.kind == "list":
            return f"[{self.of}]"
        return f"{self.of}!"

    @property
    def base(self) -> str:
        ref: TypeRef = self
        while ref.of is not None:
            ref = ref.of
        return ref.name

    @property
    def non_null(self) -> bool:
        return self.kind == "non_null"

    @property
    def nullable(self) -> TypeRef:
        return self.of if self.kind == "non_null" and self.of is not None else self


def type_ref(node: TypeNode) -> TypeRef:
    if isinstance(node, NonNullTypeNode):
        return TypeRef("non_null", of=type_ref(node.type))
    if isinstance(node, ListTypeNode):
        return TypeRef("list", of=type_ref(node.type))
    assert isinstance(node, NamedTypeNode)
    return TypeRef("named", name=node.name.value)


def named(name: str) -> TypeRef:
    return TypeRef("named", name=name)
