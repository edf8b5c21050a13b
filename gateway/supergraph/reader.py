"""Supergraph SDL → ``Supergraph`` model (join v0.1–v0.5, link or core).

Follows how Apollo's ``extractSubgraphsFromSupergraph`` reads the join directives: types and
keys here, fields in ``fields.py``, implementations/members/values in ``membership.py``.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping

from graphql import (
    DirectiveNode,
    DocumentNode,
    GraphQLError,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_ast_schema,
    parse,
)

from gateway.link import LinkError
from gateway.operation.ir import Field
from gateway.operation.normalize import OperationError
from gateway.ports import SupergraphError
from gateway.supergraph.api_schema import build_api_schema
from gateway.supergraph.features import check_features
from gateway.supergraph.fields import KeyExceptions, read_fields
from gateway.supergraph.fieldsets import FieldSets
from gateway.supergraph.joindata import JoinContext, RawType, arg, raw_types, read_graphs
from gateway.supergraph.membership import enum_values, implementations, union_members
from gateway.supergraph.model import FieldDef, Key, Supergraph, TypeDef, TypeInGraph


def load_supergraph(sdl: str) -> Supergraph:
    """Parse and check supergraph SDL; raise ``SupergraphError`` with a clear message."""
    try:
        document = parse(sdl, no_location=True)
    except GraphQLError as exc:
        raise SupergraphError(f"supergraph is not valid GraphQL SDL: {exc.message}") from None
    try:
        return _read(sdl, document)
    except (LinkError, OperationError) as exc:
        raise SupergraphError(f"invalid supergraph: {exc}") from None


def _read(sdl: str, document: DocumentNode) -> Supergraph:
    features, join = check_features(document)
    try:
        schema = build_ast_schema(document, assume_valid_sdl=True)
    except (GraphQLError, TypeError) as exc:
        raise SupergraphError(f"invalid supergraph: {exc}") from None
    graph_enum_name = join.type_name("Graph")
    raw = raw_types(document, features, graph_enum_name)
    graphs = read_graphs(
        raw.pop(graph_enum_name, None), graph_enum_name, join.directive_name("graph")
    )
    ctx = JoinContext(join, schema, {k: v.name for k, v in graphs.items()}, FieldSets(schema))

    per_graph, owners, key_exceptions = _types_per_graph(ctx, raw)
    implements_in, possible_in = implementations(ctx, raw, per_graph)
    possible_in.update(union_members(ctx, raw, per_graph))
    types = {
        name: _type_def(ctx, rt, per_graph, owners, key_exceptions) for name, rt in raw.items()
    }
    try:
        api = build_api_schema(document, features)
    except (GraphQLError, TypeError, ValueError) as exc:
        raise SupergraphError(f"invalid supergraph: cannot derive the API schema: {exc}") from None
    return Supergraph(
        sdl=sdl,
        sdl_hash=hashlib.sha256(sdl.encode()).hexdigest(),
        api_schema=api,
        supergraph_schema=schema,
        subgraphs={info.name: info for info in graphs.values()},
        join_version=join.version,
        types=types,
        root_types=_root_types(schema),
        possible_in=possible_in,
        implements_in=implements_in,
        enum_values_in=enum_values(ctx, raw, per_graph),
        graph_enum=ctx.graph_enum,
    )


def _root_types(schema: GraphQLSchema) -> dict[str, str]:
    roots = (
        ("query", schema.query_type),
        ("mutation", schema.mutation_type),
        ("subscription", schema.subscription_type),
    )
    return {kind: t.name for kind, t in roots if t is not None}


def _types_per_graph(
    ctx: JoinContext, raw: Mapping[str, RawType]
) -> tuple[dict[str, dict[str, TypeInGraph]], dict[str, str], KeyExceptions]:
    """Per type: graphs with their keys and flags; Fed 1 owners; resolvable external keys."""
    all_graphs = tuple(ctx.graph_enum.values())
    type_directive = ctx.name("type")
    per_graph: dict[str, dict[str, TypeInGraph]] = {}
    key_exceptions: KeyExceptions = set()
    owners: dict[str, str] = {}
    for name, rt in raw.items():
        by_graph: dict[str, list[DirectiveNode]] = defaultdict(list)
        for app in ctx.directives(rt, "type"):
            g = ctx.graph(app, f"@{type_directive} on {name}")
            if g is None:
                raise SupergraphError(
                    f"invalid supergraph: @{type_directive} on {name} has no graph"
                )
            by_graph[g].append(app)
        owner_apps = ctx.directives(rt, "owner")
        if owner_apps:
            owner = ctx.graph(owner_apps[0], f"@{ctx.name('owner')} on {name}")
            if owner:
                owners[name] = owner
        if not by_graph:
            # no join data (Fed 1 value types): the type is in every graph
            per_graph[name] = {g: TypeInGraph() for g in all_graphs}
            continue
        infos: dict[str, TypeInGraph] = {}
        for g, apps in by_graph.items():
            keys: list[Key] = []
            interface_object = extension = False
            for app in apps:
                ext = arg(app, "extension") is True
                extension = extension or ext
                interface_object = interface_object or arg(app, "isInterfaceObject") is True
                key_text = arg(app, "key")
                if not isinstance(key_text, str):
                    continue
                sels = ctx.field_sets.get(name, key_text, f"@key on {name}")
                keys.append(Key(sels, key_text, arg(app, "resolvable") is not False, ext))
                # Keys of extensions (and Fed 1 non-owner keys) keep the legacy meaning:
                # their external fields resolve, since the representation carries them.
                if ext or (ctx.fed1 and owners.get(name) not in (None, g)):
                    key_exceptions |= {(name, s.name, g) for s in sels if isinstance(s, Field)}
            infos[g] = TypeInGraph(tuple(keys), interface_object, extension)
        per_graph[name] = infos
    return per_graph, owners, key_exceptions


def _type_def(
    ctx: JoinContext,
    rt: RawType,
    per_graph: Mapping[str, Mapping[str, TypeInGraph]],
    owners: Mapping[str, str],
    key_exceptions: KeyExceptions,
) -> TypeDef:
    fields: dict[str, FieldDef] = {}
    if rt.kind in ("object", "interface", "input"):
        fields = read_fields(ctx, rt, per_graph, owners, key_exceptions)
    gtype = ctx.schema.get_type(rt.name)
    interfaces: tuple[str, ...] = ()
    possible: tuple[str, ...] = ()
    if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
        interfaces = tuple(i.name for i in gtype.interfaces)
    if isinstance(gtype, GraphQLInterfaceType | GraphQLUnionType):
        possible = tuple(t.name for t in ctx.schema.get_possible_types(gtype))
    return TypeDef(rt.name, rt.kind, dict(per_graph[rt.name]), fields, interfaces, possible)
