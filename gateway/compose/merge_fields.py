"""Merging one field (or argument / input field) across the subgraphs that define it."""

from __future__ import annotations

from typing import Any

from graphql import print_ast

from gateway.compose import applied
from gateway.compose.context import Ctx, EnumUsage, Sources, directive, gql_string
from gateway.compose.diagnostics import subgraph_list
from gateway.compose.federation import fields_arg, string_arg
from gateway.compose.mismatch import describe
from gateway.compose.override import OverrideState
from gateway.compose.subgraph import Arg, Field
from gateway.compose.subtyping import is_strict_subtype
from gateway.compose.supermodel import SArg, SField
from gateway.compose.typeref import TypeRef


def merge_type_ref(
    ctx: Ctx,
    sources: dict[int, Any],
    dest: SField | SArg,
    coordinate: str,
    input_position: bool,
    kind: str,
) -> bool:
    """Most general output type / most specific input type; True if all were equal."""
    dest_type: TypeRef | None = None
    has_subtypes = incompatible = False
    for element in sources.values():
        if element is None:
            continue
        t: TypeRef = element.type
        if dest_type is None or dest_type == t:
            dest_type = t
        elif is_strict_subtype(ctx.sg, dest_type, t):
            has_subtypes = True
            if input_position:
                dest_type = t
        elif is_strict_subtype(ctx.sg, t, dest_type):
            has_subtypes = True
            if not input_position:
                dest_type = t
        else:
            incompatible = True
    assert dest_type is not None
    dest.type = dest_type
    _record_enum_usage(ctx, dest_type.base, "Input" if input_position else "Output", coordinate)
    if incompatible:
        code = "FIELD_ARGUMENT_TYPE_MISMATCH" if kind == "argument" else "FIELD_TYPE_MISMATCH"
        detail = describe(ctx.names, sources, lambda e: f'type "{e.type}"', f'type "{dest_type}"')
        ctx.diag.error(
            code,
            (f'Type of {kind} "{coordinate}" is incompatible across subgraphs: it has {detail}'),
            coordinate=coordinate,
        )
        return False
    if has_subtypes:
        code = (
            "INCONSISTENT_BUT_COMPATIBLE_ARGUMENT_TYPE"
            if kind == "argument"
            else "INCONSISTENT_BUT_COMPATIBLE_FIELD_TYPE"
        )
        ctx.diag.hint(
            code,
            (
                f'Type of {kind} "{coordinate}" is inconsistent but compatible across subgraphs: '
                f'will use type "{dest_type}" in supergraph'
            ),
            coordinate,
        )
        return False
    return True


def _record_enum_usage(ctx: Ctx, base: str, position: str, coordinate: str) -> None:
    if not any((t := s.types.get(base)) is not None and t.kind == "ENUM" for s in ctx.subgraphs):
        return
    usage = ctx.enum_usage.get(base)
    if usage is None:
        ctx.enum_usage[base] = EnumUsage(position, {position: coordinate})
        return
    if usage.position != position:
        usage.position = "Both"
    usage.examples.setdefault(position, coordinate)


def _value(node: Any) -> str | None:
    return print_ast(node) if node is not None else None


def merge_default(
    ctx: Ctx, sources: dict[int, Any], dest: SArg | SField, coordinate: str, kind: str
) -> None:
    present = [e for e in sources.values() if e is not None]
    values = [_value(e.default) for e in present]
    distinct = {v for v in values if v is not None}
    if len(distinct) > 1:
        code = (
            "FIELD_ARGUMENT_DEFAULT_MISMATCH"
            if kind == "Argument"
            else "INPUT_FIELD_DEFAULT_MISMATCH"
        )
        detail = describe(
            ctx.names,
            sources,
            lambda e: (
                f"default value {_value(e.default)}"
                if e.default is not None
                else "no default value"
            ),
        )
        ctx.diag.error(
            code,
            (
                f'{kind} "{coordinate}" has incompatible default values across subgraphs: '
                f"it has {detail}"
            ),
            coordinate=coordinate,
        )
        return
    if distinct and None in values:
        ctx.diag.hint(
            "INCONSISTENT_DEFAULT_VALUE_PRESENCE",
            (
                f'{kind} "{coordinate}" has a default value in only some subgraphs: will '
                "not use a default in the supergraph"
            ),
            coordinate,
        )
        return
    dest.default = present[0].default if present else None


def merge_description(sources: dict[int, Any], dest: Any) -> None:
    counts: dict[str, int] = {}
    for element in sources.values():
        if element is None or element.description is None:
            continue
        counts[element.description] = counts.get(element.description, 0) + 1
    if not counts:
        return
    non_empty = [d for d in counts if d != ""]
    if len(counts) == 1 or len(non_empty) == 1:
        dest.description = non_empty[0] if non_empty else ""
        return
    dest.description = max(non_empty, key=lambda d: counts[d])


def merge_arguments(ctx: Ctx, sources: Sources[Field], dest: SField) -> None:
    names: list[str] = []
    for f in sources.values():
        for name in f.args if f is not None else ():
            if name not in names:
                names.append(name)
    for name in names:
        coordinate = f"{dest.coordinate}({name}:)"
        missing = [ctx.names[i] for i, f in sources.items() if f is not None and name not in f.args]
        if missing:
            required = [
                ctx.names[i]
                for i, f in sources.items()
                if f is not None
                and name in f.args
                and f.args[name].type.non_null
                and f.args[name].default is None
            ]
            if required:
                ctx.diag.error(
                    "REQUIRED_ARGUMENT_MISSING_IN_SOME_SUBGRAPH",
                    (
                        f'Argument "{coordinate}" is required in some '
                        "subgraphs but does not appear "
                        f"in all subgraphs: it is required in {subgraph_list(required)} but does "
                        f"not appear in {subgraph_list(missing)}"
                    ),
                    coordinate=coordinate,
                )
            else:
                ctx.diag.hint(
                    "INCONSISTENT_ARGUMENT_PRESENCE",
                    (
                        f'Optional argument "{coordinate}" will not be included in the supergraph '
                        "as it does not appear in all subgraphs"
                    ),
                    coordinate,
                )
            continue
        arg_sources: Sources[Arg] = {
            i: (f.args[name] if f is not None else None) for i, f in sources.items()
        }
        arg_sources = {i: a for i, a in arg_sources.items() if a is not None}
        dest_arg = SArg(name)
        dest.args[name] = dest_arg
        merge_description(arg_sources, dest_arg)
        applied.record(ctx, arg_sources, dest_arg)
        merge_type_ref(ctx, arg_sources, dest_arg, coordinate, True, "argument")
        merge_default(ctx, arg_sources, dest_arg, coordinate, "Argument")


def join_field_needed(
    ctx: Ctx, sources: Sources[Field], parent: str, all_equal: bool, state: OverrideState
) -> bool:
    if not all_equal or state.forces_join_field():
        return True
    for idx, f in sources.items():
        if f is not None and not state.unused_overridden(idx):
            sub = ctx.subgraphs[idx]
            if ctx.infos[idx].is_external(f) or sub.has(f, "provides") or sub.has(f, "requires"):
                return True
        elif parent in ctx.subgraphs[idx].types:
            return True
    return False


def add_join_field(
    ctx: Ctx, sources: Sources[Field], dest: SField, all_equal: bool, state: OverrideState
) -> None:
    if not join_field_needed(ctx, sources, dest.parent, all_equal, state):
        return
    for idx, f in sources.items():
        label = state.label(idx)
        if f is None or (state.unused_overridden(idx) and not label):
            continue
        sub = ctx.subgraphs[idx]
        requires = next((fields_arg(a) for a in sub.applied(f, "requires")), None)
        provides = next((fields_arg(a) for a in sub.applied(f, "provides")), None)
        override = next((string_arg(a, "from") for a in sub.applied(f, "override")), None)
        dest.directives.append(
            directive(
                "join__field",
                [
                    ("graph", ctx.graph(idx)),
                    ("requires", gql_string(requires) if requires is not None else None),
                    ("provides", gql_string(provides) if provides is not None else None),
                    ("type", None if all_equal else gql_string(str(f.type))),
                    ("external", True if ctx.infos[idx].is_external(f) else None),
                    ("override", gql_string(override) if override is not None else None),
                    ("usedOverridden", True if state.used_overridden(idx) else None),
                    ("overrideLabel", gql_string(label) if label else None),
                ],
            )
        )
