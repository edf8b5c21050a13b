"""Output types of the API schema, compiled once into flat records for the shaper."""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLSchema,
    GraphQLUnionType,
)

from gateway.executor.relations import TypeRelations
from gateway.executor.shaping.leaves import LeafCheck, leaf_check


@dataclass(frozen=True, slots=True)
class TypeRef:
    """One position of an output type: ``[Item!]!`` is TypeRef(non_null, item=TypeRef(…))."""

    non_null: bool
    name: str  # named type (for messages)
    item: TypeRef | None = None  # set for lists
    leaf: LeafCheck | None = None  # set for scalars and enums
    object_name: str | None = None  # set for object types: the runtime type is static
    abstract: bool = False  # interface or union: the runtime type comes from __typename


class SchemaIndex:
    """API-schema facts the shaper asks for, memoised (built once per supergraph)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self.relations = TypeRelations.from_schema(schema)
        self._fields: dict[tuple[str, str], TypeRef | None] = {}

    def field_type(self, parent: str, field_name: str) -> TypeRef | None:
        key = (parent, field_name)
        try:
            return self._fields[key]
        except KeyError:
            pass
        gtype = self.schema.type_map.get(parent)
        ref: TypeRef | None = None
        if isinstance(gtype, (GraphQLObjectType, GraphQLInterfaceType)):
            fdef = gtype.fields.get(field_name)
            if fdef is not None:
                ref = compile_type(fdef.type)
        self._fields[key] = ref
        return ref

    def composite(self, name: str) -> GraphQLNamedType | None:
        gtype = self.schema.type_map.get(name)
        if isinstance(gtype, (GraphQLObjectType, GraphQLInterfaceType, GraphQLUnionType)):
            return gtype
        return None

    def is_object(self, name: str) -> bool:
        return isinstance(self.schema.type_map.get(name), GraphQLObjectType)


def compile_type(gtype: GraphQLOutputType, non_null: bool = False) -> TypeRef:
    if isinstance(gtype, GraphQLNonNull):
        return compile_type(gtype.of_type, True)
    if isinstance(gtype, GraphQLList):
        item = compile_type(gtype.of_type)
        return TypeRef(non_null=non_null, name=item.name, item=item)
    if isinstance(gtype, GraphQLObjectType):
        return TypeRef(non_null=non_null, name=gtype.name, object_name=gtype.name)
    if isinstance(gtype, (GraphQLInterfaceType, GraphQLUnionType)):
        return TypeRef(non_null=non_null, name=gtype.name, abstract=True)
    return TypeRef(non_null=non_null, name=gtype.name, leaf=leaf_check(gtype))
