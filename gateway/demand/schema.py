"""Cost directives of a supergraph, read once: per output field its weight, list size rules
and arguments' weights; per input field its weight.

A field's weight is its own ``@cost`` or else the ``@cost`` of its named type; without
either, composite types weigh 1 and leaves 0 (IBM cost spec, Apollo Router).
"""

from __future__ import annotations

from dataclasses import dataclass

from graphql import (
    DirectiveNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    value_from_ast_untyped,
)

from gateway.link import read_links

COST_IDENTITY = "https://specs.apollo.dev/cost"


@dataclass(frozen=True, slots=True)
class ListSize:
    assumed_size: int | None = None
    slicing_arguments: tuple[str, ...] = ()
    sized_fields: frozenset[str] = frozenset()
    require_one_slicing_argument: bool = True


@dataclass(frozen=True, slots=True)
class InputCost:
    weight: float | None
    type_name: str
    is_input_object: bool


@dataclass(frozen=True, slots=True)
class FieldCost:
    weight: float  # @cost of the field, else of its type, else 1 (composite) / 0 (leaf)
    is_list: bool
    type_name: str
    list_size: ListSize | None
    arguments: dict[str, InputCost]
    explicit: float | None = None  # the @cost weight when one applies
    defaults: dict[str, object] | None = None  # argument default values (slicing arguments)


def _is_list(gtype: object) -> bool:
    while isinstance(gtype, GraphQLNonNull):
        gtype = gtype.of_type
    return isinstance(gtype, GraphQLList)


def _named(gtype: object) -> object:
    while isinstance(gtype, GraphQLNonNull | GraphQLList):
        gtype = gtype.of_type
    return gtype


def _default(arg: GraphQLArgument) -> object:
    node = arg.ast_node
    if node is not None and node.default_value is not None:
        return value_from_ast_untyped(node.default_value)
    return None


class CostSchema:
    """Output and input field costs of one supergraph (cheap to query per request)."""

    def __init__(self, schema: GraphQLSchema) -> None:
        self.schema = schema
        self._cost, self._list_size = self._directive_names(schema)
        self.outputs: dict[str, dict[str, FieldCost]] = {}
        self.inputs: dict[str, dict[str, InputCost]] = {}
        self.has_directives = False
        for name, gtype in schema.type_map.items():
            if name.startswith("__"):
                continue
            if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
                self.outputs[name] = {
                    fname: self._field(fdef) for fname, fdef in gtype.fields.items()
                }
            elif isinstance(gtype, GraphQLInputObjectType):
                self.inputs[name] = {
                    fname: self._input(fdef) for fname, fdef in gtype.fields.items()
                }

    @staticmethod
    def _directive_names(schema: GraphQLSchema) -> tuple[str, str]:
        nodes = [
            n
            for n in (schema.ast_node, *schema.extension_ast_nodes)
            if isinstance(n, SchemaDefinitionNode | SchemaExtensionNode)
        ]
        link = read_links(nodes).get(COST_IDENTITY) if nodes else None
        if link is None:
            return "cost", "listSize"  # plain schemas (and tests) use the spec's names
        return link.directive_name("cost"), link.directive_name("listSize")

    def _directive(self, node: object, name: str) -> dict[str, object] | None:
        for d in getattr(node, "directives", None) or ():
            if isinstance(d, DirectiveNode) and d.name.value == name:
                self.has_directives = True
                return {a.name.value: value_from_ast_untyped(a.value) for a in d.arguments or ()}
        return None

    def _weight(self, *nodes: object) -> float | None:
        for node in nodes:
            args = self._directive(node, self._cost)
            if args is not None and args.get("weight") is not None:
                return float(str(args["weight"]))
        return None

    def _field(self, fdef: GraphQLField) -> FieldCost:
        named = _named(fdef.type)
        own = self._weight(fdef.ast_node, getattr(named, "ast_node", None))
        composite = isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        weight = own if own is not None else (1.0 if composite else 0.0)
        size_args = self._directive(fdef.ast_node, self._list_size)
        list_size = None
        if size_args is not None:
            list_size = ListSize(
                assumed_size=int(str(size_args["assumedSize"]))
                if size_args.get("assumedSize") is not None
                else None,
                slicing_arguments=tuple(str(a) for a in size_args.get("slicingArguments") or ()),  # type: ignore[attr-defined]
                sized_fields=frozenset(str(a) for a in size_args.get("sizedFields") or ()),  # type: ignore[attr-defined]
                require_one_slicing_argument=size_args.get("requireOneSlicingArgument")
                is not False,
            )
        return FieldCost(
            weight=weight,
            is_list=_is_list(fdef.type),
            type_name=getattr(named, "name", ""),
            list_size=list_size,
            arguments={n: self._input(a) for n, a in fdef.args.items()},
            explicit=own,
            defaults={n: _default(a) for n, a in fdef.args.items()},
        )

    def _input(self, adef: GraphQLArgument | GraphQLInputField) -> InputCost:
        named = _named(adef.type)
        return InputCost(
            weight=self._weight(adef.ast_node, getattr(named, "ast_node", None)),
            type_name=getattr(named, "name", ""),
            is_input_object=isinstance(named, GraphQLInputObjectType),
        )

    def field(self, parent: str, name: str) -> FieldCost | None:
        return self.outputs.get(parent, {}).get(name)
