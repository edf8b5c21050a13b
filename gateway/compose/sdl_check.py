"""Plain GraphQL validity of one subgraph (``INVALID_GRAPHQL``), checked by graphql-core.

Subgraph SDL is not a complete schema: federation directives are used without definitions
and types may only be extended. Those gaps are filled first so that graphql-core reports
real mistakes only (unknown types, bad interface implementations, duplicate names, …).
"""

from __future__ import annotations

from graphql import (
    DocumentNode,
    EnumTypeDefinitionNode,
    EnumTypeExtensionNode,
    GraphQLError,
    InputObjectTypeDefinitionNode,
    InputObjectTypeExtensionNode,
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
    build_ast_schema,
    parse,
    validate_schema,
)
from graphql.language import DefinitionNode, DirectiveDefinitionNode
from graphql.validation.validate import validate_sdl

from gateway.compose.fed_definitions import federation_definitions
from gateway.compose.subgraph import BUILTIN_SCALARS, Subgraph

_AS_DEFINITION = {
    ObjectTypeExtensionNode: ObjectTypeDefinitionNode,
    InterfaceTypeExtensionNode: InterfaceTypeDefinitionNode,
    UnionTypeExtensionNode: UnionTypeDefinitionNode,
    EnumTypeExtensionNode: EnumTypeDefinitionNode,
    InputObjectTypeExtensionNode: InputObjectTypeDefinitionNode,
    ScalarTypeExtensionNode: ScalarTypeDefinitionNode,
}


def _as_definition(node: TypeExtensionNode) -> TypeDefinitionNode:
    cls = _AS_DEFINITION[type(node)]
    kwargs = {k: getattr(node, k) for k in node.keys if k != "loc"}
    return cls(**kwargs, description=None)  # type: ignore[no-any-return]


def _completed(doc: DocumentNode, subgraph: Subgraph) -> DocumentNode:
    defined = {d.name.value for d in doc.definitions if isinstance(d, TypeDefinitionNode)}
    defined |= BUILTIN_SCALARS
    definitions: list[DefinitionNode] = []
    for node in doc.definitions:
        if isinstance(node, (SchemaDefinitionNode, SchemaExtensionNode)):
            continue  # @link & co are read by links.py; roots are re-added below
        if isinstance(node, TypeExtensionNode) and node.name.value not in defined:
            defined.add(node.name.value)
            node = _as_definition(node)
        definitions.append(node)
    names = {d.name.value for d in definitions if isinstance(d, TypeDefinitionNode)}
    names |= {"@" + d.name.value for d in definitions if isinstance(d, DirectiveDefinitionNode)}
    extra = federation_definitions(subgraph.names, names)
    declared = {
        op.operation.value: op.type.name.value
        for d in doc.definitions
        if isinstance(d, (SchemaDefinitionNode, SchemaExtensionNode))
        for op in d.operation_types or ()
    }
    if "query" not in declared and "Query" not in defined:
        extra += "\ntype Query { _service: _Service! }"  # federation adds it to every subgraph
    if declared:
        extra += "\nschema { " + " ".join(f"{op}: {t}" for op, t in declared.items()) + " }"
    definitions.extend(parse(extra, no_location=True).definitions)
    return DocumentNode(definitions=tuple(definitions))


def graphql_errors(doc: DocumentNode, subgraph: Subgraph) -> list[GraphQLError]:
    """GraphQL validation errors of the subgraph SDL (empty when valid)."""
    completed = _completed(doc, subgraph)
    errors = validate_sdl(completed)
    if errors:
        return list(errors)
    try:
        schema = build_ast_schema(completed, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:
        return [exc if isinstance(exc, GraphQLError) else GraphQLError(str(exc))]
    return list(validate_schema(schema))
