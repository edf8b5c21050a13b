"""A subgraph SDL read into a small mutable model (definitions and extensions folded).

Type extensions (``extend type``) are legal in a subgraph without a base definition, so
they are folded here instead of by graphql-core; what came from an extension is remembered
(``@key`` on an extension means ``@join__type(extension: true)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from graphql import (
    ConstValueNode,
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    ScalarTypeDefinitionNode,
    ScalarTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
)

from gateway.compose.links import FederationNames, LinkedFeature, federation_names, linked_feature
from gateway.compose.typeref import TypeRef, type_ref

ROOT_NAMES = {"query": "Query", "mutation": "Mutation", "subscription": "Subscription"}
BUILTIN_SCALARS = frozenset({"String", "Int", "Float", "Boolean", "ID"})
BUILTIN_DIRECTIVES = frozenset({"skip", "include", "deprecated", "specifiedBy", "oneOf"})

_KINDS: dict[type, str] = {
    ObjectTypeDefinitionNode: "OBJECT",
    ObjectTypeExtensionNode: "OBJECT",
    InterfaceTypeDefinitionNode: "INTERFACE",
    InterfaceTypeExtensionNode: "INTERFACE",
    UnionTypeDefinitionNode: "UNION",
    UnionTypeExtensionNode: "UNION",
    EnumTypeDefinitionNode: "ENUM",
    EnumTypeExtensionNode: "ENUM",
    InputObjectTypeDefinitionNode: "INPUT_OBJECT",
    InputObjectTypeExtensionNode: "INPUT_OBJECT",
    ScalarTypeDefinitionNode: "SCALAR",
    ScalarTypeExtensionNode: "SCALAR",
}


@dataclass(slots=True)
class Applied:
    """A directive application as written (local name)."""

    name: str
    args: dict[str, ConstValueNode]
    node: DirectiveNode
    on_extension: bool = False


@dataclass(slots=True)
class Arg:
    name: str
    type: TypeRef
    default: ConstValueNode | None
    description: str | None
    directives: list[Applied]
    parent: str  # coordinate of the owning field / directive


@dataclass(slots=True)
class Field:
    name: str
    type: TypeRef
    args: dict[str, Arg]
    description: str | None
    directives: list[Applied]
    parent: str
    on_extension: bool = False
    default: ConstValueNode | None = None  # input fields only

    @property
    def coordinate(self) -> str:
        return f"{self.parent}.{self.name}"


@dataclass(slots=True)
class EnumValue:
    name: str
    description: str | None
    directives: list[Applied]


@dataclass(slots=True)
class TypeDef:
    name: str
    kind: str
    description: str | None = None
    directives: list[Applied] = field(default_factory=list)
    fields: dict[str, Field] = field(default_factory=dict)
    interfaces: list[str] = field(default_factory=list)
    members: list[str] = field(default_factory=list)
    values: dict[str, EnumValue] = field(default_factory=dict)
    has_definition: bool = False
    has_extension: bool = False


@dataclass(slots=True)
class DirectiveDef:
    name: str
    args: dict[str, Arg]
    locations: list[str]
    repeatable: bool
    description: str | None


@dataclass(slots=True)
class Subgraph:
    name: str
    url: str
    document: DocumentNode
    types: dict[str, TypeDef]
    directive_defs: dict[str, DirectiveDef]
    roots: dict[str, str]  # operation → root type name (always the default names)
    schema_directives: list[Applied]
    names: FederationNames

    def applied(self, element: TypeDef | Field | Arg | EnumValue, canonical: str) -> list[Applied]:
        """Applications of a federation directive (by its canonical name) on ``element``."""
        local = self.names.local(canonical)
        return [d for d in element.directives if d.name == local]

    def has(self, element: TypeDef | Field | Arg | EnumValue, canonical: str) -> bool:
        return bool(self.applied(element, canonical))

    def field(self, type_name: str, field_name: str) -> Field | None:
        type_def = self.types.get(type_name)
        return type_def.fields.get(field_name) if type_def else None

    def is_root(self, type_name: str) -> bool:
        return type_name in self.roots.values()

    def implementations(self, interface: str) -> list[TypeDef]:
        return [
            t
            for t in self.types.values()
            if t.kind in ("OBJECT", "INTERFACE") and interface in t.interfaces
        ]

    def possible_types(self, type_name: str) -> list[str]:
        """Object types a value of ``type_name`` can have in this subgraph."""
        type_def = self.types.get(type_name)
        if type_def is None:
            return []
        if type_def.kind == "OBJECT":
            return [type_name]
        if type_def.kind == "UNION":
            return [m for m in type_def.members if m in self.types]
        if type_def.kind == "INTERFACE":
            return [t.name for t in self.implementations(type_name) if t.kind == "OBJECT"]
        return []


def _description(node: object) -> str | None:
    desc = getattr(node, "description", None)
    return desc.value if desc is not None else None


def _applied(nodes: tuple[DirectiveNode, ...] | None, ext: bool = False) -> list[Applied]:
    return [
        Applied(d.name.value, {a.name.value: a.value for a in d.arguments or ()}, d, ext)  # type: ignore[misc]
        for d in nodes or ()
    ]


class _Renamer:
    def __init__(self, renames: dict[str, str]) -> None:
        self.renames = renames

    def ref(self, node: object) -> TypeRef:
        ref = type_ref(node)  # type: ignore[arg-type]
        return self._rename(ref) if self.renames else ref

    def name(self, name: str) -> str:
        return self.renames.get(name, name)

    def _rename(self, ref: TypeRef) -> TypeRef:
        if ref.of is not None:
            return TypeRef(ref.kind, of=self._rename(ref.of))
        return TypeRef("named", name=self.renames.get(ref.name, ref.name))


def _args(
    nodes: tuple[InputValueDefinitionNode, ...] | None, parent: str, r: _Renamer
) -> dict[str, Arg]:
    return {
        n.name.value: Arg(
            n.name.value,
            r.ref(n.type),
            n.default_value,
            _description(n),
            _applied(n.directives),
            f"{parent}({n.name.value}:)",
        )
        for n in nodes or ()
    }


def _schema_parts(doc: DocumentNode) -> tuple[dict[str, str], list[Applied]]:
    roots: dict[str, str] = {}
    directives: list[Applied] = []
    for d in doc.definitions:
        if isinstance(d, (SchemaDefinitionNode, SchemaExtensionNode)):
            for op in d.operation_types or ():
                roots[op.operation.value] = op.type.name.value
            directives.extend(_applied(d.directives, isinstance(d, SchemaExtensionNode)))
    return roots, directives


def _fold_type(types: dict[str, TypeDef], node: DefinitionNode, r: _Renamer) -> None:
    kind = _KINDS[type(node)]
    name = r.name(node.name.value)  # type: ignore[attr-defined]
    is_ext = isinstance(node, TypeExtensionNode)
    type_def = types.setdefault(name, TypeDef(name, kind))
    if type_def.kind != kind:
        return  # reported as INVALID_GRAPHQL by the graphql-core check
    if is_ext:
        type_def.has_extension = True
    else:
        type_def.has_definition = True
        type_def.description = type_def.description or _description(node)
    type_def.directives.extend(_applied(getattr(node, "directives", None), is_ext))
    for itf in getattr(node, "interfaces", None) or ():
        if itf.name.value not in type_def.interfaces:
            type_def.interfaces.append(r.name(itf.name.value))
    for member in getattr(node, "types", None) or ():
        if member.name.value not in type_def.members:
            type_def.members.append(r.name(member.name.value))
    for value in getattr(node, "values", None) or ():
        type_def.values.setdefault(
            value.name.value,
            EnumValue(value.name.value, _description(value), _applied(value.directives)),
        )
    for f in getattr(node, "fields", None) or ():
        if f.name.value in type_def.fields:
            continue
        if isinstance(f, FieldDefinitionNode):
            coordinate = f"{name}.{f.name.value}"
            type_def.fields[f.name.value] = Field(
                f.name.value,
                r.ref(f.type),
                _args(f.arguments, coordinate, r),
                _description(f),
                _applied(f.directives),
                name,
                is_ext,
            )
        else:
            type_def.fields[f.name.value] = Field(
                f.name.value,
                r.ref(f.type),
                {},
                _description(f),
                _applied(f.directives),
                name,
                is_ext,
                f.default_value,
            )


def build_subgraph(name: str, url: str, doc: DocumentNode) -> Subgraph:
    declared_roots, schema_directives = _schema_parts(doc)
    features: list[LinkedFeature] = []
    for applied in schema_directives:
        if applied.name == "link":
            feature = linked_feature(applied.args)
            if feature is not None:
                features.append(feature)
    names = federation_names(features)
    # Root types take their default names (Apollo renames them before merging).
    renames = {t: ROOT_NAMES[op] for op, t in declared_roots.items() if t != ROOT_NAMES[op]}
    r = _Renamer(renames)
    types: dict[str, TypeDef] = {}
    directive_defs: dict[str, DirectiveDef] = {}
    for node in doc.definitions:
        if isinstance(node, (TypeDefinitionNode, TypeExtensionNode)):
            _fold_type(types, node, r)
        elif isinstance(node, DirectiveDefinitionNode):
            directive_defs[node.name.value] = DirectiveDef(
                node.name.value,
                _args(node.arguments, "@" + node.name.value, r),
                [loc.value for loc in node.locations],
                node.repeatable,
                _description(node),
            )
    roots = {op: ROOT_NAMES[op] for op in declared_roots}
    if not declared_roots:
        roots = {op: t for op, t in ROOT_NAMES.items() if t in types}
    if "query" not in roots and "Query" not in types:
        # Federation gives every subgraph a Query root (for ``_service``/``_entities``).
        types["Query"] = TypeDef("Query", "OBJECT", has_definition=True)
        roots["query"] = "Query"
    _apply_extends(types, names)
    return Subgraph(name, url, doc, types, directive_defs, roots, schema_directives, names)


def _apply_extends(types: dict[str, TypeDef], names: FederationNames) -> None:
    # ``@extends`` makes a definition behave as an extension.
    local = names.local("extends")
    for type_def in types.values():
        if any(d.name == local for d in type_def.directives):
            type_def.has_extension = True
