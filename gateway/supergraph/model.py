"""The immutable supergraph model: subgraphs, types and fields with their per-graph join data.

Built once per supergraph by ``gateway.supergraph.reader``; the planner only reads it. Every
lookup the planner needs on its hot path is precomputed here (resolvers of a field, keys of a
type per graph, possible runtime types per graph).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

from graphql import GraphQLSchema

from gateway.operation.ir import SelectionSet
from gateway.ports import SubgraphInfo

TypeKind = Literal["object", "interface", "union", "enum", "input", "scalar"]


@dataclass(frozen=True, slots=True)
class Key:
    selections: SelectionSet
    text: str
    resolvable: bool = True
    extension: bool = False


@dataclass(frozen=True, slots=True)
class TypeInGraph:
    keys: tuple[Key, ...] = ()
    is_interface_object: bool = False
    extension: bool = False


@dataclass(frozen=True, slots=True)
class ContextArgument:
    name: str
    type: str
    context: str
    selection: str


@dataclass(frozen=True, slots=True)
class FieldInGraph:
    graph: str
    external: bool = False
    requires: SelectionSet | None = None
    requires_text: str | None = None
    provides: SelectionSet | None = None
    provides_text: str | None = None
    local_type: str | None = None  # ``@join__field(type:)``: the graph's own type, if given
    override_from: str | None = None
    override_label: str | None = None
    used_overridden: bool = False
    context_arguments: tuple[ContextArgument, ...] = ()


@dataclass(frozen=True, slots=True)
class FieldDef:
    parent: str
    name: str
    type_name: str  # named (innermost) return type
    type_ref: str  # full supergraph type, e.g. ``[Product!]!``
    list_depth: int
    per_graph: Mapping[str, FieldInGraph]
    # graphs resolving the field whatever the override labels
    static_resolvers: frozenset[str]
    # (graph, label, resolves_when_label_active)
    label_resolvers: tuple[tuple[str, str, bool], ...] = ()
    # ``@join__field`` without ``graph``: inherited from an ``@interfaceObject``
    from_interface_object: bool = False

    def resolvers(self, labels: frozenset[str]) -> frozenset[str]:
        if not self.label_resolvers:
            return self.static_resolvers
        extra = {g for g, label, active in self.label_resolvers if (label in labels) == active}
        return self.static_resolvers | extra

    def resolves(self, graph: str, labels: frozenset[str]) -> bool:
        if graph in self.static_resolvers:
            return True
        return any(
            g == graph and (label in labels) == active for g, label, active in self.label_resolvers
        )

    @property
    def labels(self) -> frozenset[str]:
        return frozenset(label for _, label, _ in self.label_resolvers)


@dataclass(frozen=True, slots=True)
class TypeDef:
    name: str
    kind: TypeKind
    per_graph: Mapping[str, TypeInGraph]
    fields: Mapping[str, FieldDef] = field(default_factory=dict)
    # supergraph-level: interfaces implemented / members / possible object types
    interfaces: tuple[str, ...] = ()
    possible_types: tuple[str, ...] = ()

    @property
    def is_abstract(self) -> bool:
        return self.kind in ("interface", "union")

    @property
    def is_composite(self) -> bool:
        return self.kind in ("object", "interface", "union")


@dataclass(frozen=True, eq=False)
class Supergraph:
    """A loaded supergraph (satisfies ``gateway.ports.SupergraphModel``)."""

    sdl: str
    sdl_hash: str
    api_schema: GraphQLSchema
    supergraph_schema: GraphQLSchema
    subgraphs: Mapping[str, SubgraphInfo]
    join_version: tuple[int, int]
    types: Mapping[str, TypeDef]
    root_types: Mapping[str, str]  # "query"/"mutation"/"subscription" → type name
    # (graph, abstract type) → object types that graph may return for it
    possible_in: Mapping[tuple[str, str], tuple[str, ...]]
    # (graph, object or interface type) → interfaces it implements in that graph
    implements_in: Mapping[tuple[str, str], frozenset[str]]
    # (graph, enum) → values known to that graph
    enum_values_in: Mapping[tuple[str, str], frozenset[str]]
    graph_enum: Mapping[str, str]  # join__Graph value → subgraph name

    # ------------------------------------------------------------------ lookups
    def type(self, name: str) -> TypeDef:
        return self.types[name]

    def field(self, type_name: str, field_name: str) -> FieldDef | None:
        t = self.types.get(type_name)
        return t.fields.get(field_name) if t else None

    def has_type(self, graph: str, type_name: str) -> bool:
        t = self.types.get(type_name)
        return t is not None and graph in t.per_graph

    def type_in(self, graph: str, type_name: str) -> TypeInGraph | None:
        t = self.types.get(type_name)
        return t.per_graph.get(graph) if t else None

    def keys(self, graph: str, type_name: str) -> tuple[Key, ...]:
        info = self.type_in(graph, type_name)
        return info.keys if info else ()

    def resolvable_keys(self, graph: str, type_name: str) -> tuple[Key, ...]:
        return tuple(k for k in self.keys(graph, type_name) if k.resolvable)

    def is_interface_object(self, graph: str, type_name: str) -> bool:
        info = self.type_in(graph, type_name)
        return bool(info and info.is_interface_object)

    def is_abstract_in(self, graph: str, type_name: str) -> bool:
        t = self.types.get(type_name)
        if t is None or not t.is_abstract:
            return False
        return not self.is_interface_object(graph, type_name)

    def possible_types(self, type_name: str) -> tuple[str, ...]:
        t = self.types.get(type_name)
        if t is None:
            return ()
        return (t.name,) if t.kind == "object" else t.possible_types

    def possible_types_in(self, graph: str, type_name: str) -> tuple[str, ...]:
        t = self.types.get(type_name)
        if t is None or graph not in t.per_graph:
            return ()
        if t.kind == "object":
            return (t.name,)
        return self.possible_in.get((graph, type_name), ())

    @cached_property
    def graph_rank(self) -> Mapping[str, int]:
        """Subgraph name → position in ``join__Graph`` (Apollo's order for equal options)."""
        return {name: i for i, name in enumerate(self.subgraphs)}

    def ordered(self, graphs: Iterable[str]) -> list[str]:
        rank = self.graph_rank
        return sorted(graphs, key=lambda g: (rank.get(g, len(rank)), g))

    @cached_property
    def interface_object_graphs(self) -> Mapping[str, tuple[str, ...]]:
        """Interface name → graphs where it is an ``@interfaceObject``."""
        out: dict[str, tuple[str, ...]] = {}
        for t in self.types.values():
            graphs = [g for g, info in t.per_graph.items() if info.is_interface_object]
            if graphs:
                out[t.name] = tuple(self.ordered(graphs))
        return out

    @cached_property
    def all_labels(self) -> frozenset[str]:
        return frozenset(
            label for t in self.types.values() for f in t.fields.values() for label in f.labels
        )
