"""Differential planner checks: the federated answer must equal a monolith's answer.

A scenario is a set of subgraph SDL files, the supergraph Apollo composed from them
(``fixtures/<name>/``), and a *world*: every object of every type with all its field values.
Each subgraph is executed in process by graphql-core against its own SDL (plus federation's
``_entities``) and answers only what it owns; the monolith executes the API schema over the
same world. Every subgraph operation the planner emits is also validated against the real
subgraph SDL.

World values: scalars, ``Ref(type, id)`` to another object, lists, or ``Computed(fn)`` for
fields whose value derives from others (``@requires``): in a subgraph ``fn`` only sees the
representation, in the monolith the whole object — so a missing requirement shows.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from graphql import (
    DocumentNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLResolveInfo,
    GraphQLSchema,
    GraphQLUnionType,
    InterfaceTypeDefinitionNode,
    InterfaceTypeExtensionNode,
    ObjectTypeDefinitionNode,
    ObjectTypeExtensionNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    build_ast_schema,
    execute,
    execute_sync,
    parse,
    validate,
)

from gateway.executor.native import kernel_from_environment
from gateway.ports import SubgraphInfo, SubgraphRequest
from gateway.request.pipeline import GraphQLRequest, Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import build_state

FIXTURES = Path(__file__).resolve().parent / "fixtures"

FEDERATION_PRELUDE = """
scalar _Any
scalar FieldSet
scalar link__Import
scalar federation__FieldSet
type _Service { sdl: String }
directive @key(fields: String!, resolvable: Boolean = true) repeatable on OBJECT | INTERFACE
directive @requires(fields: String!) on FIELD_DEFINITION
directive @provides(fields: String!) on FIELD_DEFINITION
directive @external(reason: String) on OBJECT | FIELD_DEFINITION
directive @shareable repeatable on OBJECT | FIELD_DEFINITION
directive @inaccessible on
  FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @override(from: String!, label: String) on FIELD_DEFINITION
directive @tag(name: String!) repeatable on
  FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION
directive @interfaceObject on OBJECT
directive @extends on OBJECT | INTERFACE
directive @link(url: String, as: String, for: String, import: [link__Import]) repeatable on SCHEMA
"""


@dataclass(frozen=True)
class Ref:
    type: str
    id: str


@dataclass(frozen=True)
class Computed:
    """A ``@requires`` field: ``fn(representation, args)`` in its subgraph; ``mono(object,
    args)`` (default ``fn``) in the monolith, where the object's fields are all readable."""

    fn: Callable[[Mapping[str, Any], Mapping[str, Any]], Any]
    mono: Callable[[Mapping[str, Any], Mapping[str, Any]], Any] | None = None


@dataclass(frozen=True)
class Fn:
    """A field computed from its arguments: ``fn(object, args)`` everywhere."""

    fn: Callable[[Mapping[str, Any], Mapping[str, Any]], Any]


class Resolved(Mapping[str, Any]):
    """A world object whose computed fields evaluate on access (monolith side)."""

    def __init__(self, world: World, data: Mapping[str, Any]) -> None:
        self.world, self.data = world, data

    def __getitem__(self, key: str) -> Any:
        raw = self.data[key]
        if isinstance(raw, Computed):
            return (raw.mono or raw.fn)(self, {})
        if isinstance(raw, Fn):
            return raw.fn(self, {})
        return _plain(self.world, raw)

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


def _plain(world: World, value: Any) -> Any:
    if isinstance(value, Ref):
        return Resolved(world, world.objects[value.type][value.id])
    if isinstance(value, list):
        return [_plain(world, v) for v in value]
    return value


@dataclass
class World:
    objects: dict[str, dict[str, dict[str, Any]]]  # type → id → field values
    query: dict[str, Any] = field(default_factory=dict)  # root field → value or fn(args)

    def get(self, ref: Ref) -> WorldObj:
        return WorldObj(ref.type, self.objects[ref.type][ref.id])


@dataclass
class WorldObj:
    typename: str
    data: Mapping[str, Any]
    rep: Mapping[str, Any] | None = None  # the representation it was fetched by


class _Subgraph:
    def __init__(
        self, name: str, sdl: str, world: World, possible: Callable[[str], list[str]]
    ) -> None:
        self.name = name
        self.world = world
        self.possible = possible
        self.document = _federated(parse(sdl))
        self.schema = build_ast_schema(self.document, assume_valid_sdl=True)
        self.external = _externals(self.document)

    def resolve(self, source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        name = info.field_name
        parent = info.parent_type.name
        if parent == info.schema.query_type.name and name == "_entities":  # type: ignore[union-attr]
            return [self._entity(rep) for rep in args["representations"]]
        if source is None or parent == info.schema.query_type.name:  # type: ignore[union-attr]
            return _value(self.world, self.world.query.get(name), {}, args, None)
        if not isinstance(source, WorldObj):
            return source.get(name) if isinstance(source, Mapping) else None
        if (parent, name) in self.external:
            return None  # an @external value is never this subgraph's to give
        raw = source.data.get(name)
        return _value(self.world, raw, source.data, args, source.rep, subgraph=True)

    def _entity(self, rep: Mapping[str, Any]) -> WorldObj | None:
        typename = rep["__typename"]
        candidates = self.possible(typename)
        for t in candidates:
            for data in self.world.objects.get(t, {}).values():
                if _matches(self.world, data, rep):
                    shown = typename if _is_object(self.schema, typename) else t
                    return WorldObj(shown, data, rep)
        return None


def _is_object(schema: GraphQLSchema, name: str) -> bool:
    return isinstance(schema.get_type(name), GraphQLObjectType)


def _matches(world: World, data: Mapping[str, Any], rep: Mapping[str, Any]) -> bool:
    for key, expected in rep.items():
        if key == "__typename":
            continue
        actual = data.get(key)
        if isinstance(actual, Computed | Fn):
            continue  # a required (derived) value, not part of the key
        if isinstance(actual, Ref):
            if not isinstance(expected, Mapping):
                return False
            if not _matches(world, world.objects[actual.type][actual.id], expected):
                return False
        elif isinstance(actual, Mapping) and isinstance(expected, Mapping):
            if not _matches(world, actual, expected):
                return False
        elif actual != expected:
            return False
    return True


def _value(
    world: World,
    raw: Any,
    data: Mapping[str, Any],
    args: Mapping[str, Any],
    rep: Mapping[str, Any] | None,
    subgraph: bool = False,
) -> Any:
    if isinstance(raw, Computed):
        if subgraph:
            if rep is None:
                raise GraphQLError("computed field outside an entity fetch")
            return raw.fn(rep, args)
        return (raw.mono or raw.fn)(Resolved(world, data), args)
    if isinstance(raw, Fn):
        raw = raw.fn(Resolved(world, data), args)
    elif callable(raw):
        raw = raw(args)
    return _materialize(world, raw)


def _materialize(world: World, value: Any) -> Any:
    if isinstance(value, Ref):
        return world.get(value)
    if isinstance(value, list):
        return [_materialize(world, v) for v in value]
    if isinstance(value, dict):
        return WorldObj(value.get("__typename", ""), value)
    return value


def _type_resolver(value: Any, info: GraphQLResolveInfo, abstract: Any) -> str | None:
    if isinstance(value, WorldObj):
        return value.typename
    return None


def _federated(doc: DocumentNode) -> DocumentNode:
    """The subgraph SDL plus what a federation library adds (_Any, _Entity, _entities)."""
    defs = []
    entities: list[str] = []
    query_name = "Query"
    for d in doc.definitions:
        if isinstance(d, SchemaExtensionNode):
            continue
        if isinstance(d, SchemaDefinitionNode):
            for op in d.operation_types:
                if op.operation.value == "query":
                    query_name = op.type.name.value
        if isinstance(d, ObjectTypeExtensionNode | InterfaceTypeExtensionNode):
            cls = (
                ObjectTypeDefinitionNode
                if isinstance(d, ObjectTypeExtensionNode)
                else InterfaceTypeDefinitionNode
            )
            d = cls(name=d.name, interfaces=d.interfaces, directives=d.directives, fields=d.fields)
        if isinstance(d, ObjectTypeDefinitionNode) and any(
            x.name.value == "key" for x in d.directives or ()
        ):
            entities.append(d.name.value)
        defs.append(d)
    extra = FEDERATION_PRELUDE
    query_fields = "_service: _Service!"
    if entities:
        extra += f"\nunion _Entity = {' | '.join(entities)}\n"
        query_fields += " _entities(representations: [_Any!]!): [_Entity]!"
    has_query = any(
        isinstance(d, ObjectTypeDefinitionNode) and d.name.value == query_name for d in defs
    )
    extra += (
        f"\nextend type {query_name} {{ {query_fields} }}\n"
        if has_query
        else f"\ntype {query_name} {{ {query_fields} }}\n"
    )
    prelude = parse(extra)
    return DocumentNode(definitions=(*prelude.definitions, *defs))


def _externals(doc: DocumentNode) -> set[tuple[str, str]]:
    """Fields marked @external and never @provides'd by this subgraph."""
    provided: set[str] = set()
    external: set[tuple[str, str]] = set()
    for d in doc.definitions:
        for f in getattr(d, "fields", None) or ():
            for x in getattr(f, "directives", None) or ():
                if x.name.value == "provides":
                    provided |= set(_words(x.arguments[0].value.value))  # type: ignore[attr-defined]
                if x.name.value == "external":
                    external.add((d.name.value, f.name.value))  # type: ignore[attr-defined]
        if any(x.name.value == "external" for x in getattr(d, "directives", None) or ()):
            for f in getattr(d, "fields", None) or ():
                external.add((d.name.value, f.name.value))  # type: ignore[attr-defined]
    keys: set[tuple[str, str]] = set()
    for d in doc.definitions:
        for x in getattr(d, "directives", None) or ():
            if x.name.value == "key":
                for w in _words(x.arguments[0].value.value):  # type: ignore[attr-defined]
                    keys.add((d.name.value, w))  # type: ignore[attr-defined]
    return {e for e in external if e[1] not in provided and e not in keys}


def _words(text: str) -> list[str]:
    return [w for w in text.replace("{", " ").replace("}", " ").split() if w.isidentifier()]


class FakeFetcher:
    def __init__(self, subgraphs: Mapping[str, _Subgraph]) -> None:
        self.subgraphs = subgraphs
        self.calls: list[tuple[str, str]] = []
        self.invalid: list[str] = []

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        sub = self.subgraphs[request.service]
        self.calls.append((request.service, request.query))
        document = parse(request.query)
        errors = validate(sub.schema, document)
        if errors:
            self.invalid.append(f"{request.service}: {request.query}: {errors[0].message}")
            return {"errors": [{"message": e.message} for e in errors]}
        result = execute(
            sub.schema,
            document,
            variable_values=dict(request.variables or {}),
            field_resolver=sub.resolve,
            type_resolver=_type_resolver,
        )
        assert not hasattr(result, "__await__")
        out: dict[str, Any] = {"data": result.data}  # type: ignore[union-attr]
        if result.errors:  # type: ignore[union-attr]
            out["errors"] = [e.formatted for e in result.errors]  # type: ignore[union-attr]
        return out


@dataclass
class Outcome:
    gateway: dict[str, Any]
    monolith: dict[str, Any]
    calls: list[tuple[str, str]]
    invalid: list[str]


class Scenario:
    """One fixture directory + world; ``run(query)`` answers through gateway and monolith."""

    def __init__(
        self,
        name: str,
        world: World,
        always_labels: frozenset[str] = frozenset(),
        supergraph: str = "supergraph.graphql",
        directory: Path | None = None,
    ) -> None:
        self.dir = directory or FIXTURES / name
        self.world = world
        self.supergraph_sdl = (self.dir / supergraph).read_text()
        sdls = {
            p.stem: p.read_text()
            for p in sorted(self.dir.glob("*.graphql"))
            if not p.stem.startswith("supergraph")
        }
        self.fetcher = FakeFetcher({})
        self.state = build_state(
            self.supergraph_sdl, lambda _infos: self.fetcher, always_labels=always_labels
        )
        schema = self.state.supergraph.supergraph_schema

        def possible(name: str) -> list[str]:
            t = schema.get_type(name)
            if isinstance(t, GraphQLInterfaceType | GraphQLUnionType):
                return [o.name for o in schema.get_possible_types(t)]
            return [name]

        self.subgraphs = {n: _Subgraph(n, sdl, world, possible) for n, sdl in sdls.items()}
        self.fetcher.subgraphs = self.subgraphs
        self.pipeline = Pipeline(PrepareConfig(), kernel=kernel_from_environment())

    def run(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> Outcome:
        self.fetcher.calls = []
        self.fetcher.invalid = []
        outcome = asyncio.run(
            self.pipeline.run(
                self.state, GraphQLRequest(query, None, variables), headers=headers or {}
            )
        )
        api = self.state.supergraph.api_schema
        problems = validate(api, parse(query))
        if problems:
            mono_errors = [{"message": e.message} for e in problems]
            return Outcome(outcome.body, {"errors": mono_errors}, [], [])
        # execute_sync: graphql-core's execute() refuses a schema declaring @defer/@stream
        # (the API schema does, for the gateway's incremental delivery)
        mono = execute_sync(
            api,
            parse(query),
            variable_values=dict(variables or {}),
            field_resolver=self._mono_resolve,
            type_resolver=_type_resolver,
        )
        mono_out: dict[str, Any] = {"data": mono.data}
        if mono.errors:
            mono_out["errors"] = [e.formatted for e in mono.errors]
        return Outcome(outcome.body, mono_out, list(self.fetcher.calls), list(self.fetcher.invalid))

    def _mono_resolve(self, source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
        if source is None or info.parent_type.name == info.schema.query_type.name:  # type: ignore[union-attr]
            return _value(self.world, self.world.query.get(info.field_name), {}, args, None)
        if isinstance(source, WorldObj):
            return _value(self.world, source.data.get(info.field_name), source.data, args, None)
        return None

    def check(self, query: str, variables: Mapping[str, Any] | None = None) -> Outcome:
        """Run and assert gateway == monolith (data and error paths), all operations valid."""
        out = self.run(query, variables)
        assert not out.invalid, "invalid subgraph operations:\n" + "\n".join(out.invalid)
        got, want = out.gateway, out.monolith
        assert got.get("data") == want.get("data"), (
            f"data differs for {query}\n gateway:  {json.dumps(got)}\n monolith: {json.dumps(want)}"
            f"\n calls: {json.dumps(out.calls)}"
        )
        assert _error_paths(got) == _error_paths(want), (
            f"errors differ for {query}\n gateway: {got.get('errors')}"
            f"\n monolith: {want.get('errors')}"
        )
        return out


def _error_paths(body: Mapping[str, Any]) -> list[str]:
    return sorted(json.dumps(e.get("path")) for e in body.get("errors", ()))


def subgraph_infos(names: list[str]) -> dict[str, SubgraphInfo]:
    return {n: SubgraphInfo(n, f"http://{n}") for n in names}
