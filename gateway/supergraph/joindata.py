"""Reading join directive applications: raw type definitions, arguments, graph names."""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLSchema,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    print_ast,
    value_from_ast_untyped,
)

from gateway.link import Link, LinkedFeatures
from gateway.ports import SubgraphInfo, SupergraphError
from gateway.supergraph.features import JOIN_IDENTITY
from gateway.supergraph.fieldsets import FieldSets
from gateway.supergraph.model import TypeKind

_KINDS: dict[type, TypeKind] = {
    ObjectTypeDefinitionNode: "object",
    ObjectTypeExtensionNode: "object",
    InterfaceTypeDefinitionNode: "interface",
    InterfaceTypeExtensionNode: "interface",
    UnionTypeDefinitionNode: "union",
    UnionTypeExtensionNode: "union",
    EnumTypeDefinitionNode: "enum",
    EnumTypeExtensionNode: "enum",
    InputObjectTypeDefinitionNode: "input",
    InputObjectTypeExtensionNode: "input",
}


def arg(node: DirectiveNode, name: str) -> object:
    for a in node.arguments or ():
        if a.name.value == name:
            return value_from_ast_untyped(a.value)
    return None


def type_text(node: TypeNode) -> tuple[str, str, int]:
    """(printed type, named type, list depth)."""
    depth = 0
    inner = node
    while isinstance(inner, NonNullTypeNode | ListTypeNode):
        if isinstance(inner, ListTypeNode):
            depth += 1
        inner = inner.type
    assert isinstance(inner, NamedTypeNode)
    return print_ast(node), inner.name.value, depth


@dataclass
class RawType:
    name: str
    kind: TypeKind
    nodes: list[TypeDefinitionNode | TypeExtensionNode] = field(default_factory=list)


def raw_types(
    document: DocumentNode, features: LinkedFeatures, graph_enum: str
) -> dict[str, RawType]:
    """User types (plus the join graph enum), definitions and extensions together."""
    raw: dict[str, RawType] = {}
    for d in document.definitions:
        if not isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            continue
        kind = _KINDS.get(type(d), "scalar")
        name = d.name.value
        owner = features.owner_of(name, directive=False)
        if owner is not None and not (owner.identity == JOIN_IDENTITY and name == graph_enum):
            continue
        raw.setdefault(name, RawType(name, kind)).nodes.append(d)
    return raw


@dataclass
class JoinContext:
    """Everything the per-aspect readers share: names, graphs, the schema, field sets."""

    join: Link
    schema: GraphQLSchema
    graph_enum: dict[str, str]  # join__Graph value → subgraph name
    field_sets: FieldSets

    @property
    def fed1(self) -> bool:
        return self.join.version == (0, 1)

    def name(self, directive: str) -> str:
        return self.join.directive_name(directive)

    def directives(self, raw: RawType, directive: str) -> list[DirectiveNode]:
        name = self.name(directive)
        return [d for node in raw.nodes for d in node.directives or () if d.name.value == name]

    def graph(self, node: DirectiveNode, where: str) -> str | None:
        value = arg(node, "graph")
        if value is None:
            return None
        if not isinstance(value, str) or value not in self.graph_enum:
            raise SupergraphError(f"invalid supergraph: unknown graph {value!r} in {where}")
        return self.graph_enum[value]


def read_graphs(raw: RawType | None, enum_name: str, directive: str) -> dict[str, SubgraphInfo]:
    """``join__Graph`` values → (name, url) from ``@join__graph``."""
    if raw is None:
        raise SupergraphError(f"invalid supergraph: missing enum {enum_name}")
    out: dict[str, SubgraphInfo] = {}
    for node in raw.nodes:
        for value in getattr(node, "values", None) or ():
            apps = [d for d in value.directives or () if d.name.value == directive]
            if not apps:
                raise SupergraphError(
                    f"invalid supergraph: {enum_name}.{value.name.value} has no @{directive}"
                )
            name, url = arg(apps[0], "name"), arg(apps[0], "url")
            if not isinstance(name, str) or not isinstance(url, str):
                raise SupergraphError(
                    f"invalid supergraph: @{directive} on {value.name.value} needs name and url"
                )
            out[value.name.value] = SubgraphInfo(name, url)
    if not out:
        raise SupergraphError("invalid supergraph: it declares no subgraph")
    return out
