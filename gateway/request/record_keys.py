"""The keys of every entity an operation reads, for its access record — whether or not the
client selected them.

An access record names the entities a response carried (``Employee:<nip>``) so auditors can
ask who read a person's data. Read off the client's response alone, a client that leaves
the key out (``employees { name }``) would leave no trace of whom it read. So the planned
operation (never the client's: the response is shaped from the operation as written) gets,
in every selection set on an entity type, that type's key fields under aliases of the
gateway's own; ``read_entities`` finds them in the execution's result tree.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLAbstractType,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    NameNode,
    OperationDefinitionNode,
    SelectionNode,
    SelectionSetNode,
    get_named_type,
)

from gateway.access_records import MAX_ENTITIES

Keys = Mapping[str, tuple[str, ...]]  # entity type → its key's fields
Aliases = Mapping[str, tuple[str, str]]  # alias → (entity type, key field)


def with_entity_keys(
    schema: GraphQLSchema, keys: Keys, document: DocumentNode, query: str
) -> tuple[DocumentNode, dict[str, tuple[str, str]]]:
    """``document`` (its query operations and fragments) with the key fields of every
    entity it selects added under gateway aliases, and those aliases."""
    prefix = "_rumahKey"
    while prefix in query:  # never an alias the client's own text uses
        prefix += "_"
    aliases: dict[tuple[str, str], str] = {}

    def alias(typename: str, field: str) -> str:
        return aliases.setdefault((typename, field), f"{prefix}{len(aliases)}")

    def key_selections(parent: GraphQLNamedType) -> list[SelectionNode]:
        def fields(typename: str) -> tuple[FieldNode, ...]:
            return tuple(
                FieldNode(alias=NameNode(value=alias(typename, f)), name=NameNode(value=f))
                for f in keys[typename]
            )

        if isinstance(parent, GraphQLObjectType):
            return list(fields(parent.name)) if parent.name in keys else []
        if isinstance(parent, GraphQLAbstractType):
            return [
                InlineFragmentNode(
                    type_condition=NamedTypeNode(name=NameNode(value=t.name)),
                    directives=(),
                    selection_set=SelectionSetNode(selections=fields(t.name)),
                )
                for t in schema.get_possible_types(parent)
                if t.name in keys
            ]
        return []

    def selection_set(node: SelectionSetNode, parent: GraphQLNamedType) -> SelectionSetNode:
        out: list[SelectionNode] = []
        for s in node.selections:
            if isinstance(s, FieldNode) and s.selection_set is not None:
                definition = getattr(parent, "fields", {}).get(s.name.value)
                if definition is not None:
                    inner = selection_set(s.selection_set, get_named_type(definition.type))
                    s = FieldNode(
                        alias=s.alias,
                        name=s.name,
                        arguments=s.arguments,
                        directives=s.directives,
                        selection_set=inner,
                    )
            elif isinstance(s, InlineFragmentNode):
                target = parent
                if s.type_condition is not None:
                    target = schema.get_type(s.type_condition.name.value) or parent
                s = InlineFragmentNode(
                    type_condition=s.type_condition,
                    directives=s.directives,
                    selection_set=selection_set(s.selection_set, target),
                )
            out.append(s)
        return SelectionSetNode(selections=(*out, *key_selections(parent)))

    definitions: list[Any] = []
    for d in document.definitions:
        if isinstance(d, OperationDefinitionNode) and d.operation.value == "query":
            root = schema.query_type
            if root is not None:
                d = OperationDefinitionNode(
                    operation=d.operation,
                    name=d.name,
                    variable_definitions=d.variable_definitions,
                    directives=d.directives,
                    selection_set=selection_set(d.selection_set, root),
                )
        elif isinstance(d, FragmentDefinitionNode):
            condition = schema.get_type(d.type_condition.name.value)
            if condition is not None:
                d = FragmentDefinitionNode(
                    name=d.name,
                    type_condition=d.type_condition,
                    directives=d.directives,
                    variable_definitions=d.variable_definitions,
                    selection_set=selection_set(d.selection_set, condition),
                )
        definitions.append(d)
    return DocumentNode(definitions=tuple(definitions)), {a: k for k, a in aliases.items()}


def read_entities(data: Any, aliases: Aliases) -> list[str]:
    """``Type:key`` of each entity in an execution's result tree (at most ``MAX_ENTITIES``)."""
    found: dict[str, None] = {}
    fields_of: dict[str, list[str]] = {}
    for typename, field in aliases.values():
        fields_of.setdefault(typename, []).append(field)

    def walk(value: Any) -> None:
        if len(found) >= MAX_ENTITIES:
            return
        if isinstance(value, list):
            for item in value:
                walk(item)
            return
        if not isinstance(value, dict):
            return
        keyed: dict[str, dict[str, Any]] = {}
        for name, item in value.items():
            target = aliases.get(name)
            if target is not None:
                keyed.setdefault(target[0], {})[target[1]] = item
            elif isinstance(item, dict | list):
                walk(item)
        for typename, values in keyed.items():
            fields = fields_of[typename]
            if all(values.get(f) is not None for f in fields):
                found[f"{typename}:{','.join(str(values[f]) for f in fields)}"] = None

    walk(data)
    return list(found)
