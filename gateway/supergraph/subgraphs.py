"""Each subgraph's schema, rebuilt from the join data (with ``_Any``, ``_Entity``, ``_entities``).

Used to validate every subgraph operation the planner emits; it mirrors what Apollo's
``extractSubgraphsFromSupergraph`` recovers (types, fields with their local types,
implementations, union members and enum values per graph).
"""

from __future__ import annotations

from collections.abc import Mapping

from graphql import (
    GraphQLArgument,
    GraphQLField,
    GraphQLInputField,
    GraphQLSchema,
    build_schema,
    get_named_type,
    print_ast,
    specified_directives,
)
from graphql.utilities import ast_from_value
from graphql.utilities.print_schema import print_directive

from gateway.supergraph.model import FieldDef, Supergraph

_BUILTIN_SCALARS = {"String", "Int", "Float", "Boolean", "ID"}
_GATEWAY_DIRECTIVES = {d.name for d in specified_directives} | {"defer", "stream"}


def build_subgraph_schemas(sg: Supergraph) -> Mapping[str, GraphQLSchema]:
    return {name: build_schema(subgraph_sdl(sg, name)) for name in sg.subgraphs}


def _arg_text(name: str, arg: GraphQLArgument | GraphQLInputField) -> str:
    text = f"{name}: {arg.type}"
    if arg.ast_node is not None and arg.ast_node.default_value is not None:
        text += " = " + print_ast(arg.ast_node.default_value)
    elif arg.default_value is not None and not _is_undefined(arg.default_value):
        value = ast_from_value(arg.default_value, arg.type)
        if value is not None:
            text += " = " + print_ast(value)
    return text


def _is_undefined(value: object) -> bool:
    from graphql.pyutils import Undefined

    return value is Undefined


def _field_type(fd: FieldDef, graph: str) -> str:
    entry = fd.per_graph.get(graph)
    return entry.local_type if entry and entry.local_type else fd.type_ref


def subgraph_sdl(sg: Supergraph, graph: str) -> str:
    """The SDL of ``graph`` as the supergraph describes it (plus federation's entry points)."""
    schema = sg.supergraph_schema
    present = {name for name, t in sg.types.items() if graph in t.per_graph}
    parts: list[str] = ["scalar _Any", "type _Service { sdl: String }"]
    entities: list[str] = []
    root_names = set(sg.root_types.values())
    query_name = sg.root_types.get("query", "Query")
    query_fields: list[str] = []
    for name in sorted(present):
        t = sg.types[name]
        if t.kind == "scalar":
            if name not in _BUILTIN_SCALARS:
                parts.append(f"scalar {name}")
            continue
        if t.kind == "enum":
            values = sorted(sg.enum_values_in.get((graph, name), ()))
            if values:
                parts.append(f"enum {name} {{ {' '.join(values)} }}")
            continue
        if t.kind == "union":
            members = [m for m in sg.possible_in.get((graph, name), ()) if m in present]
            if members:
                parts.append(f"union {name} = {' | '.join(members)}")
            continue
        gtype = schema.get_type(name)
        lines: list[str] = []
        for fname, fd in t.fields.items():
            if graph not in fd.per_graph:
                continue
            ftype = _field_type(fd, graph)
            if fd.type_name not in present and fd.type_name not in _BUILTIN_SCALARS:
                continue
            gfield = getattr(gtype, "fields", {}).get(fname)
            args = ""
            arg_texts = (
                [_arg_text(n, a) for n, a in gfield.args.items()]
                if isinstance(gfield, GraphQLField)
                else []
            )
            # @fromContext arguments exist in the subgraph, not in the supergraph field
            entry = fd.per_graph[graph]
            arg_texts += [f"{c.name}: {c.type}" for c in entry.context_arguments]
            if arg_texts:
                args = "(" + ", ".join(arg_texts) + ")"
            if t.kind == "input":
                assert isinstance(gfield, GraphQLInputField)
                lines.append(_arg_text(fname, gfield).replace(str(gfield.type), ftype, 1))
            else:
                lines.append(f"{fname}{args}: {ftype}")
        if name == query_name:
            query_fields = lines
            continue
        if not lines:
            continue
        info = t.per_graph[graph]
        if t.kind == "input":
            parts.append(f"input {name} {{ {' '.join(lines)} }}")
            continue
        as_object = t.kind == "object" or info.is_interface_object
        keyword = "type" if as_object else "interface"
        itfs = sorted(
            i
            for i in sg.implements_in.get((graph, name), ())
            if i in present and not sg.is_interface_object(graph, i)
        )
        implements = f" implements {' & '.join(itfs)}" if itfs else ""
        parts.append(f"{keyword} {name}{implements} {{ {' '.join(lines)} }}")
        if as_object and info.keys and name not in root_names:
            entities.append(name)
    # executable directives: composition keeps one only when every subgraph defines it
    for directive in sg.api_schema.directives:
        if directive.name in _GATEWAY_DIRECTIVES:
            continue
        arg_types = {get_named_type(a.type).name for a in directive.args.values()}
        if arg_types <= present | _BUILTIN_SCALARS:
            parts.append(print_directive(directive))
    if entities:
        parts.append(f"union _Entity = {' | '.join(entities)}")
        query_fields.append("_entities(representations: [_Any!]!): [_Entity]!")
    query_fields.append("_service: _Service!")
    parts.append(f"type {query_name} {{ {' '.join(query_fields)} }}")
    roots = [f"query: {query_name}"]
    for kind in ("mutation", "subscription"):
        rname = sg.root_types.get(kind)
        if (
            rname
            and rname in present
            and any(graph in fd.per_graph for fd in sg.types[rname].fields.values())
        ):
            roots.append(f"{kind}: {rname}")
    parts.append("schema { " + " ".join(roots) + " }")
    return "\n".join(parts)
