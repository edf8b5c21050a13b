"""Abstract types and enums per graph: implementations, union members, enum values.

Without join data for an element (join v0.1/v0.2), it holds in every graph having both
sides, as Apollo's ``extractSubgraphsFromSupergraph`` assumes.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from graphql import GraphQLInterfaceType, GraphQLObjectType, GraphQLUnionType

from gateway.supergraph.joindata import JoinContext, RawType, arg
from gateway.supergraph.model import TypeInGraph

PerGraph = Mapping[str, Mapping[str, TypeInGraph]]


def implementations(
    ctx: JoinContext, raw: Mapping[str, RawType], per_graph: PerGraph
) -> tuple[dict[tuple[str, str], frozenset[str]], dict[tuple[str, str], tuple[str, ...]]]:
    """((graph, type) → interfaces it implements there, (graph, interface) → object types)."""
    declared: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, rt in raw.items():
        if rt.kind not in ("object", "interface"):
            continue
        covered: set[str] = set()
        for app in ctx.directives(rt, "implements"):
            g = ctx.graph(app, f"@{ctx.name('implements')} on {name}")
            itf = arg(app, "interface")
            if g is None or not isinstance(itf, str):
                continue
            declared[(g, name)].add(itf)
            covered.add(itf)
        gtype = ctx.schema.get_type(name)
        if isinstance(gtype, GraphQLObjectType | GraphQLInterfaceType):
            for itf_type in gtype.interfaces:
                if itf_type.name in covered:
                    continue
                for g in per_graph.get(name, {}):
                    if g in per_graph.get(itf_type.name, {}):
                        declared[(g, name)].add(itf_type.name)
    implements = {k: frozenset(v) for k, v in declared.items()}
    possible: dict[tuple[str, str], list[str]] = defaultdict(list)
    for (g, name), itfs in sorted(declared.items()):
        if raw[name].kind == "object":
            for itf in itfs:
                possible[(g, itf)].append(name)
    return implements, {k: tuple(sorted(v)) for k, v in possible.items()}


def union_members(
    ctx: JoinContext, raw: Mapping[str, RawType], per_graph: PerGraph
) -> dict[tuple[str, str], tuple[str, ...]]:
    """(graph, union) → members that graph may return."""
    out: dict[tuple[str, str], tuple[str, ...]] = {}
    for name, rt in raw.items():
        if rt.kind != "union":
            continue
        apps = ctx.directives(rt, "unionMember")
        members: dict[str, set[str]] = defaultdict(set)
        if apps:
            for app in apps:
                g = ctx.graph(app, f"@{ctx.name('unionMember')} on {name}")
                member = arg(app, "member")
                if g is not None and isinstance(member, str):
                    members[g].add(member)
        else:
            gtype = ctx.schema.get_type(name)
            assert isinstance(gtype, GraphQLUnionType)
            for g in per_graph.get(name, {}):
                for t in gtype.types:
                    if g in per_graph.get(t.name, {}):
                        members[g].add(t.name)
        for g, ms in members.items():
            out[(g, name)] = tuple(sorted(ms))
    return out


def enum_values(
    ctx: JoinContext, raw: Mapping[str, RawType], per_graph: PerGraph
) -> dict[tuple[str, str], frozenset[str]]:
    """(graph, enum) → values that graph knows."""
    out: dict[tuple[str, str], frozenset[str]] = {}
    directive = ctx.name("enumValue")
    for name, rt in raw.items():
        if rt.kind != "enum":
            continue
        values: dict[str, set[str]] = defaultdict(set)
        all_values: list[str] = []
        saw_join = False
        for node in rt.nodes:
            for value in getattr(node, "values", None) or ():
                all_values.append(value.name.value)
                for d in value.directives or ():
                    if d.name.value == directive:
                        saw_join = True
                        g = ctx.graph(d, f"@{directive} on {name}")
                        if g is not None:
                            values[g].add(value.name.value)
        for g in per_graph.get(name, {}):
            out[(g, name)] = frozenset(values[g] if saw_join else all_values)
    return out
