"""The API schema: what clients see (after Apollo's ``toAPISchema``).

Drops every linked feature's definitions and directive applications (join, link/core, tag,
inaccessible, …), custom ``@defer``/``@stream`` definitions, and every ``@inaccessible``
element together with anything that only pointed at removed types. Descriptions,
deprecations, ``@specifiedBy``, ``@oneOf`` and other (composed) directives stay.
"""

from __future__ import annotations

from typing import Any, TypeVar

from graphql import (
    DefinitionNode,
    DirectiveDefinitionNode,
    DirectiveNode,
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    FieldDefinitionNode,
    GraphQLDeferDirective,
    GraphQLInputObjectType,
    GraphQLSchema,
    GraphQLStreamDirective,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
    InputValueDefinitionNode,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ListTypeNode,
    NamedTypeNode,
    Node,
    NonNullTypeNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    TypeDefinitionNode,
    TypeExtensionNode,
    TypeNode,
    UnionTypeDefinitionNode,
    UnionTypeExtensionNode,
    build_ast_schema,
)

from gateway.link import LinkedFeatures

INACCESSIBLE_IDENTITY = "https://specs.apollo.dev/inaccessible"

N = TypeVar("N", bound=Node)


def _copy(node: N, **changes: Any) -> N:
    values = {k: getattr(node, k, None) for k in node.keys}
    values.update(changes)
    return node.__class__(**values)


def _named(t: TypeNode) -> str:
    while isinstance(t, NonNullTypeNode | ListTypeNode):
        t = t.type
    assert isinstance(t, NamedTypeNode)
    return t.name.value


def build_api_schema(document: DocumentNode, features: LinkedFeatures) -> GraphQLSchema:
    """Derive the client-facing schema from the supergraph document.

    The gateway's own ``@defer`` and ``@stream`` are added (incremental delivery is the
    gateway's, whatever the subgraphs declare — as Apollo Router adds ``@defer``)."""
    schema = build_ast_schema(api_document(document, features), assume_valid_sdl=True)
    # graphql-core adds @oneOf to every schema; graphql-js 16 (Apollo/Hive gateways) does
    # not, so introspection lists it only when the supergraph has a @oneOf input.
    uses_one_of = any(
        isinstance(t, GraphQLInputObjectType) and t.is_one_of for t in schema.type_map.values()
    )
    kwargs = schema.to_kwargs()
    kwargs["directives"] = (
        *(
            d
            for d in schema.directives
            if (d.name != "oneOf" or uses_one_of) and d.name not in ("defer", "stream")
        ),
        GraphQLDeferDirective,
        GraphQLStreamDirective,
    )
    return GraphQLSchema(**kwargs)


def api_document(document: DocumentNode, features: LinkedFeatures) -> DocumentNode:
    link = features.get(INACCESSIBLE_IDENTITY)
    inaccessible = link.directive_name("inaccessible") if link else None

    def hidden(node: Node) -> bool:
        return inaccessible is not None and any(
            d.name.value == inaccessible for d in getattr(node, "directives", None) or ()
        )

    removed_types: set[str] = set()
    for d in document.definitions:
        if isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            name = d.name.value
            if features.owner_of(name, directive=False) is not None or hidden(d):
                removed_types.add(name)
    # An object type left without fields (e.g. a Mutation whose fields are all inaccessible)
    # goes too, and with it every field that only pointed at it.
    while True:
        emptied = {
            d.name.value
            for d in document.definitions
            if isinstance(d, ObjectTypeDefinitionNode)
            and d.name.value not in removed_types
            and d.fields
            and all(hidden(f) or _named(f.type) in removed_types for f in d.fields)
        }
        if not emptied:
            break
        removed_types |= emptied

    def keep_directives(directives: tuple[DirectiveNode, ...] | None) -> tuple[DirectiveNode, ...]:
        return tuple(
            d for d in directives or () if features.owner_of(d.name.value, directive=True) is None
        )

    def args(
        values: tuple[InputValueDefinitionNode, ...] | None,
    ) -> tuple[InputValueDefinitionNode, ...]:
        return tuple(
            _copy(a, directives=keep_directives(a.directives))
            for a in values or ()
            if not hidden(a) and _named(a.type) not in removed_types
        )

    def fields(values: tuple[FieldDefinitionNode, ...] | None) -> tuple[FieldDefinitionNode, ...]:
        return tuple(
            _copy(f, directives=keep_directives(f.directives), arguments=args(f.arguments))
            for f in values or ()
            if not hidden(f) and _named(f.type) not in removed_types
        )

    out: list[DefinitionNode] = []
    for d in document.definitions:
        if isinstance(d, DirectiveDefinitionNode):
            name = d.name.value
            if features.owner_of(name, directive=True) is not None or name in ("defer", "stream"):
                continue
            out.append(_copy(d, arguments=args(d.arguments)))
        elif isinstance(d, SchemaDefinitionNode | SchemaExtensionNode):
            ops = tuple(
                o for o in d.operation_types or () if o.type.name.value not in removed_types
            )
            out.append(_copy(d, directives=(), operation_types=ops))
        elif isinstance(d, TypeDefinitionNode | TypeExtensionNode):
            if d.name.value in removed_types:
                continue
            changes: dict[str, Any] = {"directives": keep_directives(d.directives)}
            if isinstance(
                d,
                ObjectTypeDefinitionNode
                | ObjectTypeExtensionNode
                | InterfaceTypeDefinitionNode
                | InterfaceTypeExtensionNode,
            ):
                changes["fields"] = fields(d.fields)
                changes["interfaces"] = tuple(
                    i for i in d.interfaces or () if i.name.value not in removed_types
                )
            elif isinstance(d, InputObjectTypeDefinitionNode | InputObjectTypeExtensionNode):
                changes["fields"] = args(d.fields)
            elif isinstance(d, UnionTypeDefinitionNode | UnionTypeExtensionNode):
                changes["types"] = tuple(
                    t for t in d.types or () if t.name.value not in removed_types
                )
            elif isinstance(d, EnumTypeDefinitionNode | EnumTypeExtensionNode):
                changes["values"] = tuple(
                    _copy(v, directives=keep_directives(v.directives))
                    for v in d.values or ()
                    if not hidden(v)
                )
            out.append(_copy(d, **changes))
        else:
            out.append(d)
    return DocumentNode(definitions=tuple(out))
