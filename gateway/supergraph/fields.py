"""Fields per graph (``@join__field``) and which graphs resolve them.

No ``@join__field``: the Fed 1 owner if any, else every graph with the parent type (and the
field's type). ``external`` fields resolve only as extension/Fed 1 key fields;
``usedOverridden`` never; progressive override entries resolve depending on their label.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from graphql import DirectiveNode

from gateway.supergraph.fieldsets import alias_arguments
from gateway.supergraph.joindata import JoinContext, RawType, arg, type_text
from gateway.supergraph.model import ContextArgument, FieldDef, FieldInGraph, TypeInGraph

# (type, field, graph) whose external key field still resolves (extension / Fed 1 keys)
KeyExceptions = set[tuple[str, str, str]]


def read_fields(
    ctx: JoinContext,
    rt: RawType,
    per_graph: Mapping[str, Mapping[str, TypeInGraph]],
    owners: Mapping[str, str],
    key_exceptions: KeyExceptions,
) -> dict[str, FieldDef]:
    out: dict[str, FieldDef] = {}
    type_graphs = per_graph.get(rt.name, {})
    directive = ctx.name("field")
    subgraph_names = frozenset(ctx.graph_enum.values())
    for node in rt.nodes:
        for fnode in getattr(node, "fields", None) or ():
            fname = fnode.name.value
            type_ref, type_name, depth = type_text(fnode.type)
            apps = [d for d in fnode.directives or () if d.name.value == directive]
            entries: dict[str, FieldInGraph] = {}
            from_interface_object = False
            if not apps:
                owner = owners.get(rt.name)
                graphs: Iterable[str]
                if owner is not None:
                    graphs = (owner,)
                else:
                    graphs = (
                        g for g in type_graphs if g in per_graph.get(type_name, {g: TypeInGraph()})
                    )
                for g in graphs:
                    entries[g] = FieldInGraph(g)
            for app in apps:
                joined = ctx.graph(app, f"@{directive} on {rt.name}.{fname}")
                if joined is None:
                    from_interface_object = True
                    continue
                entries[joined] = _field_in_graph(ctx, rt.name, fname, type_name, joined, app)
            if ctx.fed1:
                for g in type_graphs:
                    if (rt.name, fname, g) in key_exceptions and g not in entries:
                        entries[g] = FieldInGraph(g)
            static: set[str] = set()
            labelled: list[tuple[str, str, bool]] = []
            for g, e in entries.items():
                if e.external and (rt.name, fname, g) not in key_exceptions:
                    continue
                if e.override_label and (
                    e.override_from is None or e.override_from in subgraph_names
                ):
                    labelled.append((g, e.override_label, e.override_from is not None))
                    continue
                if e.used_overridden:
                    continue
                static.add(g)
            out[fname] = FieldDef(
                parent=rt.name,
                name=fname,
                type_name=type_name,
                type_ref=type_ref,
                list_depth=depth,
                per_graph=entries,
                static_resolvers=frozenset(static),
                label_resolvers=tuple(sorted(labelled)),
                from_interface_object=from_interface_object,
            )
    return out


def _field_in_graph(
    ctx: JoinContext, parent: str, fname: str, type_name: str, graph: str, app: DirectiveNode
) -> FieldInGraph:
    requires = arg(app, "requires")
    provides = arg(app, "provides")
    local_type = arg(app, "type")
    override = arg(app, "override")
    label = arg(app, "overrideLabel")
    ctx_raw = arg(app, "contextArguments")
    context: list[ContextArgument] = []
    for item in ctx_raw if isinstance(ctx_raw, list) else ():
        if isinstance(item, dict):
            context.append(
                ContextArgument(
                    str(item.get("name")),
                    str(item.get("type")),
                    str(item.get("context")),
                    str(item.get("selection")),
                )
            )
    where = f"{parent}.{fname}"
    sets = ctx.field_sets
    return FieldInGraph(
        graph=graph,
        external=arg(app, "external") is True,
        requires=alias_arguments(sets.get(parent, requires, f"@requires on {where}"))
        if isinstance(requires, str)
        else None,
        requires_text=requires if isinstance(requires, str) else None,
        provides=sets.get(type_name, provides, f"@provides on {where}")
        if isinstance(provides, str)
        else None,
        provides_text=provides if isinstance(provides, str) else None,
        local_type=local_type if isinstance(local_type, str) else None,
        override_from=override if isinstance(override, str) else None,
        override_label=label if isinstance(label, str) else None,
        used_overridden=arg(app, "usedOverridden") is True,
        context_arguments=tuple(context),
    )
