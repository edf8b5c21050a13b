"""A federation v2 subgraph on plain graphql-core: SDL + resolvers over in-memory dicts.

Adds what the federation subgraph spec asks of a subgraph: the federation directive
definitions, ``_Any``, ``_Service``/``_service`` and, when some object type has ``@key``,
``_Entity``/``_entities``. Objects are dicts; abstract types resolve through ``__typename``.
Legacy ``extend type X`` of a type the file does not define becomes a definition.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLField,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    build_ast_schema,
    parse,
)

from tests.federation.harness.model import Resolver

FEDERATION_DEFINITIONS = """
scalar FieldSet
scalar link__Import
scalar _Any
enum link__Purpose { SECURITY EXECUTION }
type _Service { sdl: String }
directive @link(url: String!, as: String, for: link__Purpose, import: [link__Import])
  repeatable on SCHEMA
directive @key(fields: FieldSet!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: FieldSet!) on FIELD_DEFINITION
directive @provides(fields: FieldSet!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @inaccessible on FIELD_DEFINITION | OBJECT | INTERFACE
  | UNION | ARGUMENT_DEFINITION | SCALAR
  | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @tag(name: String!) repeatable on FIELD_DEFINITION | OBJECT | INTERFACE
  | UNION | ARGUMENT_DEFINITION | SCALAR
  | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @interfaceObject on OBJECT
directive @extends on OBJECT | INTERFACE
directive @composeDirective(name: String!) repeatable on SCHEMA
directive @context(name: String!) repeatable on INTERFACE | OBJECT | UNION
directive @fromContext(field: String) on ARGUMENT_DEFINITION
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION
  | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
  requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION
scalar federation__Scope
scalar federation__Policy
directive @authenticated on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @requiresScopes(scopes: [[federation__Scope!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
directive @policy(policies: [[federation__Policy!]!]!)
  on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM
"""


def _definitions_of_extensions(document: DocumentNode) -> list[Any]:
    defined = {
        d.name.value
        for d in document.definitions
        if isinstance(d, ObjectTypeDefinitionNode | InterfaceTypeDefinitionNode)
    }
    out: list[Any] = []
    for d in document.definitions:
        if isinstance(d, ObjectTypeExtensionNode) and d.name.value not in defined:
            defined.add(d.name.value)
            d = ObjectTypeDefinitionNode(
                name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields
            )
        elif isinstance(d, InterfaceTypeExtensionNode) and d.name.value not in defined:
            defined.add(d.name.value)
            d = InterfaceTypeDefinitionNode(
                name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields
            )
        out.append(d)
    return out


def _has_key(node: Any) -> bool:
    return any(d.name.value == "key" for d in node.directives or ())


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str:
    return str(value["__typename"])


def default_resolver(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
    if isinstance(source, Mapping):
        value = source.get(info.field_name)
    else:
        value = getattr(source, info.field_name, None)
    return value(info, **args) if callable(value) else value


async def _raise(error: Exception) -> None:
    raise error


def build_subgraph_schema(
    sdl: str,
    resolvers: Mapping[str, Mapping[str, Resolver]],
    references: Mapping[str, Resolver],
) -> GraphQLSchema:
    """Build an executable subgraph schema.

    ``resolvers[Type][field](source, info, **args)`` override the default dict lookup.
    ``references[Type](representation)`` returns the entity (a dict) or None; an exception
    becomes an error at ``_entities.<i>`` while the rest of the batch resolves.
    """
    document = parse(sdl)
    definitions = _definitions_of_extensions(document)
    entities = [
        d.name.value
        for d in definitions
        if isinstance(d, ObjectTypeDefinitionNode | ObjectTypeExtensionNode) and _has_key(d)
    ]
    has_query = any(
        isinstance(d, ObjectTypeDefinitionNode) and d.name.value == "Query" for d in definitions
    )
    extra = FEDERATION_DEFINITIONS
    root = "extend type Query" if has_query else "type Query"
    root_fields = "_service: _Service!"
    if entities:
        extra += f"union _Entity = {' | '.join(sorted(set(entities)))}\n"
        root_fields += "\n  _entities(representations: [_Any!]!): [_Entity]!"
    extra += f"{root} {{\n  {root_fields}\n}}\n"
    full = DocumentNode(definitions=(*parse(extra).definitions, *definitions))
    schema = build_ast_schema(full, assume_valid_sdl=False)

    for type_name, fields in resolvers.items():
        gql_type = schema.get_type(type_name)
        assert isinstance(gql_type, GraphQLObjectType), type_name
        for field_name, fn in fields.items():
            gql_type.fields[field_name].resolve = fn
    for gql_type in schema.type_map.values():
        if hasattr(gql_type, "resolve_type"):
            gql_type.resolve_type = resolve_type  # type: ignore[union-attr]

    query = schema.query_type
    assert query is not None
    query.fields["_service"].resolve = lambda *_: {"sdl": sdl}
    if entities:
        entities_field: GraphQLField = query.fields["_entities"]
        entities_field.resolve = _entities_resolver(references)
    return schema


def _entities_resolver(references: Mapping[str, Resolver]) -> Resolver:
    def resolve(_source: Any, _info: GraphQLResolveInfo, representations: list[Any]) -> Any:
        out: list[Any] = []
        for rep in representations:
            typename = rep.get("__typename")
            reference = references.get(typename)
            if reference is None:
                error = GraphQLError(f"no reference resolver for {typename}")
                out.append(_raise(error))
                continue
            try:
                entity = reference(rep)
            except Exception as exc:  # one bad representation must not fail the batch
                out.append(_raise(exc))
                continue
            if entity is not None and "__typename" not in entity:
                entity = {**entity, "__typename": typename}
            out.append(entity)
        return out

    return resolve


def by_key(table: Mapping[Any, Mapping[str, Any]], *key: str) -> Resolver:
    """A reference resolver looking the representation up by its key fields.

    The stored entity is merged over the representation so ``@requires`` values reach the
    resolvers of the requiring fields while the stored ``__typename`` (the concrete type, for
    a representation of an entity interface) wins. Unknown keys resolve to None.
    """

    def resolve(rep: Mapping[str, Any]) -> Any:
        ident = rep[key[0]] if len(key) == 1 else tuple(rep[k] for k in key)
        stored = table.get(ident)
        if stored is None:
            return None
        return {**rep, **stored}

    return resolve


def sleep_then(value: Any, delay: float = 0.0) -> Any:
    async def later() -> Any:
        await asyncio.sleep(delay)
        return value

    return later()
