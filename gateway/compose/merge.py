"""Merge validated subgraphs into a supergraph model (Apollo's ``merge.ts``, in order)."""

from __future__ import annotations

from gateway.compose import applied
from gateway.compose.context import Ctx, Sources, graph_enum_names
from gateway.compose.diagnostics import Diagnostics, subgraph_list
from gateway.compose.directive_defs import merge_executable_directives
from gateway.compose.federation import FedInfo
from gateway.compose.join_spec import join_version
from gateway.compose.merge_composite import merge_composite
from gateway.compose.merge_fields import merge_description
from gateway.compose.merge_kinds import (
    add_join_types,
    check_extension_has_base,
    merge_enum,
    merge_implements,
    merge_input,
    merge_union,
)
from gateway.compose.specs import plan_composed_directives, plan_spec_directives
from gateway.compose.subgraph import BUILTIN_SCALARS, ROOT_NAMES, Subgraph, TypeDef
from gateway.compose.supermodel import SField, SType, Supergraph

_FEDERATION_TYPES = frozenset(
    {"_Any", "_Entity", "_Service", "link__Import", "link__Purpose", "_FieldSet"}
)


def _is_merged_type(sub: Subgraph, t: TypeDef) -> bool:
    if t.name in BUILTIN_SCALARS or t.name in _FEDERATION_TYPES or t.name.startswith("__"):
        return False
    if t.name in sub.names.type_by_local:
        return False
    return not any(t.name.startswith(f.prefix + "__") for f in sub.names.features)


def _add_types_shallow(ctx: Ctx) -> None:
    mismatched: list[str] = []
    itf_objects: set[str] = set()
    for idx, sub in enumerate(ctx.subgraphs):
        for t in sub.types.values():
            if not _is_merged_type(sub, t):
                continue
            kind = t.kind
            if ctx.infos[idx].is_interface_object(t):
                kind = "INTERFACE"
                itf_objects.add(t.name)
            previous = ctx.sg.types.get(t.name)
            if previous is None:
                ctx.sg.types[t.name] = SType(t.name, kind)
            elif previous.kind != kind and t.name not in mismatched:
                mismatched.append(t.name)
    for name in mismatched:

        def label(i: int, t: TypeDef) -> str:
            if ctx.infos[i].is_interface_object(t):
                return "Interface Object Type (Object Type with @interfaceObject)"
            return (
                t.kind.replace("_", " ").title().replace("Input Object", "Input Object") + " Type"
            )

        parts = [
            f'{label(i, s.types[name])} in subgraph "{s.name}"'
            for i, s in enumerate(ctx.subgraphs)
            if name in s.types
        ]
        ctx.diag.error(
            "TYPE_KIND_MISMATCH",
            f'Type "{name}" has mismatched kind: it is defined as ' + " but ".join(parts),
            coordinate=name,
        )
    for name in sorted(itf_objects - set(mismatched)):
        if not any(
            (x := s.types.get(name)) is not None and x.kind == "INTERFACE" for s in ctx.subgraphs
        ):
            defining = [s.name for s in ctx.subgraphs if name in s.types]
            ctx.diag.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                (
                    f'Type "{name}" is declared with @interfaceObject in all the subgraphs in '
                    f"which it is defined (it is defined in {subgraph_list(defining)} but should "
                    "be defined as an interface in at least one subgraph)"
                ),
                coordinate=name,
            )


def _merge_type(ctx: Ctx, dest: SType) -> None:
    sources: Sources[TypeDef] = ctx.type_sources(dest.name, dest.kind)
    check_extension_has_base(ctx, sources, dest)
    merge_description(sources, dest)
    add_join_types(ctx, sources, dest)
    applied.record(ctx, sources, dest)
    if dest.kind in ("OBJECT", "INTERFACE"):
        if dest.kind == "INTERFACE":
            _validate_interface(ctx, sources, dest)
        merge_composite(ctx, sources, dest)
    elif dest.kind == "UNION":
        merge_union(ctx, sources, dest)
    elif dest.kind == "ENUM":
        merge_enum(ctx, sources, dest)
    elif dest.kind == "INPUT_OBJECT":
        merge_input(ctx, sources, dest)


def _possible_types(sg: Supergraph, itf: str) -> list[str]:
    return [t.name for t in sg.types.values() if t.kind == "OBJECT" and itf in t.interfaces]


def _validate_interface(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    implementations = _possible_types(ctx.sg, dest.name)
    for idx, t in sources.items():
        assert t is not None
        sub, info = ctx.subgraphs[idx], ctx.infos[idx]
        if info.is_interface_object(t):
            defined = [i for i in implementations if i in sub.types]
            if defined:
                ctx.diag.error(
                    "INTERFACE_OBJECT_USAGE_ERROR",
                    (
                        f'Interface type "{dest.name}" is defined '
                        "as an @interfaceObject in subgraph "
                        f'"{sub.name}" so that subgraph should not '
                        "define any of the implementation "
                        f'types of "{dest.name}", but it defines '
                        + ", ".join(f'"{d}"' for d in defined)
                    ),
                    subgraph=sub.name,
                    coordinate=dest.name,
                )
            continue
        resolvable = next((k for k in info.keys(t) if k.resolvable), None)
        if resolvable is None:
            continue
        local = set(sub.possible_types(dest.name))
        missing = [i for i in implementations if i not in local]
        if missing:
            listed = ", ".join(f'"{m}"' for m in missing)
            ctx.diag.error(
                "INTERFACE_KEY_MISSING_IMPLEMENTATION_TYPE",
                (
                    f'Interface type "{dest.name}" has a resolvable '
                    f'key (@key(fields: "{resolvable.fields}")) '
                    f'in subgraph "{sub.name}" but that subgraph is missing some of the supergraph '
                    f'implementation types of "{dest.name}". Subgraph "{sub.name}" should define '
                    f"type{'s' if len(missing) > 1 else ''} {listed} "
                    f"(and have {'them' if len(missing) > 1 else 'it'} "
                    f'implement "{dest.name}").'
                ),
                subgraph=sub.name,
                coordinate=dest.name,
            )


def _interface_object_fields(ctx: Ctx) -> None:
    """Fields an ``@interfaceObject`` contributes reach every implementation in the supergraph."""
    for t in list(ctx.sg.types.values()):
        if t.kind != "OBJECT":
            continue
        for itf_name in t.interfaces:
            itf = ctx.sg.types.get(itf_name)
            for itf_field in itf.fields.values() if itf else ():
                if itf_field.name in t.fields:
                    continue
                provided = any(
                    (o := s.types.get(itf_name)) is not None
                    and ctx.infos[i].is_interface_object(o)
                    and itf_field.name in o.fields
                    and not ctx.infos[i].is_external(o.fields[itf_field.name])
                    for i, s in enumerate(ctx.subgraphs)
                )
                if provided:
                    copy = SField(
                        itf_field.name,
                        t.name,
                        itf_field.type,
                        dict(itf_field.args),
                        itf_field.description,
                    )
                    copy.directives = [
                        d for d in itf_field.directives if not d.startswith("@join__")
                    ]
                    copy.directives.insert(0, "@join__field")
                    t.fields[copy.name] = copy


def _post_merge(ctx: Ctx) -> None:
    for t in ctx.sg.types.values():
        if t.kind not in ("OBJECT", "INTERFACE"):
            continue
        for itf_name in t.interfaces:
            itf = ctx.sg.types.get(itf_name)
            for name in itf.fields if itf else ():
                if name not in t.fields:
                    with_field = [
                        s.name
                        for s in ctx.subgraphs
                        if (x := s.types.get(itf_name))
                        and x.kind == "INTERFACE"
                        and name in x.fields
                    ]
                    implementing = [
                        s.name
                        for s in ctx.subgraphs
                        if (x := s.types.get(t.name)) and itf_name in x.interfaces
                    ]
                    ctx.diag.error(
                        "INTERFACE_FIELD_NO_IMPLEM",
                        (
                            f'Interface field "{itf_name}.{name}" is declared '
                            f"in {subgraph_list(with_field)} "
                            f'but type "{t.name}", which implements "{itf_name}" '
                            f"only in {subgraph_list(implementing)} "
                            f'does not have field "{name}".'
                        ),
                        coordinate=f"{t.name}.{name}",
                    )


def merge(subgraphs: list[Subgraph], infos: list[FedInfo], diag: Diagnostics) -> Supergraph | None:
    """The merged supergraph, or None when ``diag`` received errors."""
    names = [s.name for s in subgraphs]
    graphs = list(zip(graph_enum_names(names), names, [s.url for s in subgraphs], strict=True))
    fed_version = max((s.names.version for s in subgraphs), default=(2, 0))
    sg = Supergraph(graphs, join_version=join_version(fed_version))
    ctx = Ctx(subgraphs, infos, diag, sg)
    plan_spec_directives(ctx)
    plan_composed_directives(ctx)
    if diag.errors:
        return None
    _add_types_shallow(ctx)
    for op, root in ROOT_NAMES.items():
        if any(s.roots.get(op) for s in subgraphs) and root in sg.types:
            sg.roots[op] = root
    by_kind = {
        k: [t for t in sg.types.values() if t.kind == k]
        for k in ("OBJECT", "INTERFACE", "UNION", "ENUM", "SCALAR", "INPUT_OBJECT")
    }
    for t in by_kind["OBJECT"] + by_kind["INTERFACE"]:
        merge_implements(ctx, ctx.type_sources(t.name, t.kind), t)
    for t in by_kind["UNION"]:
        _merge_type(ctx, t)
    for t in by_kind["SCALAR"] + by_kind["INPUT_OBJECT"] + by_kind["INTERFACE"] + by_kind["OBJECT"]:
        _merge_type(ctx, t)
    merge_executable_directives(ctx)
    for t in by_kind["ENUM"]:
        _merge_type(ctx, t)
    if "query" not in sg.roots or "Query" not in sg.types:
        diag.error(
            "NO_QUERIES",
            ("No queries found in any subgraph: a supergraph must have a query root type."),
        )
    sg.roots = {op: r for op, r in sg.roots.items() if r in sg.types}
    applied.flush(ctx)
    _interface_object_fields(ctx)
    if not diag.errors:
        _post_merge(ctx)
    return None if diag.errors else sg
