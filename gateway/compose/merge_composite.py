"""Merging object and interface types: fields, externals, shareability, join__field."""

from __future__ import annotations

from gateway.compose import applied
from gateway.compose.context import Ctx, Sources
from gateway.compose.diagnostics import subgraph_list
from gateway.compose.merge_fields import (
    add_join_field,
    merge_arguments,
    merge_description,
    merge_type_ref,
)
from gateway.compose.mismatch import describe
from gateway.compose.override import OverrideState, validate_override
from gateway.compose.subgraph import Field, TypeDef
from gateway.compose.subtyping import is_strict_subtype
from gateway.compose.supermodel import SField, SType

FEDERATION_ROOT_FIELDS = ("_entities", "_service")


def interface_object_fields(ctx: Ctx, dest: SType, field_name: str, idx: int) -> list[Field]:
    """Fields standing in for ``dest.field_name`` in subgraph ``idx`` via ``@interfaceObject``."""
    sub = ctx.subgraphs[idx]
    if dest.kind != "OBJECT" or dest.name in sub.types:
        return []
    out = []
    for itf in dest.interfaces:
        t = sub.types.get(itf)
        if t is not None and ctx.infos[idx].is_interface_object(t) and field_name in t.fields:
            out.append(t.fields[field_name])
    return out


def shallow_fields(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> dict[str, Sources[Field]]:
    base: Sources[Field] = {}
    for idx, sub in enumerate(ctx.subgraphs):
        if dest.name in sub.types:
            base[idx] = None
        elif any(
            (t := sub.types.get(i)) is not None and ctx.infos[idx].is_interface_object(t)
            for i in dest.interfaces
        ):
            base[idx] = None
    added: dict[str, Sources[Field]] = {}
    for idx, t in sources.items():
        assert t is not None
        for f in t.fields.values():
            if ctx.subgraphs[idx].is_root(t.name) and f.name in FEDERATION_ROOT_FIELDS:
                continue
            added.setdefault(f.name, dict(base))[idx] = f
    return added


def _validate_externals(ctx: Ctx, sources: Sources[Field], dest: SField, all_equal: bool) -> None:
    bad_type = False
    missing_args: set[str] = set()
    for idx, f in sources.items():
        if f is None or not ctx.infos[idx].is_external(f):
            continue
        assert dest.type is not None
        if not (
            dest.type == f.type or (not all_equal and is_strict_subtype(ctx.sg, dest.type, f.type))
        ):
            bad_type = True
        missing_args.update(a for a in dest.args if a not in f.args)
    if bad_type:
        detail = describe(ctx.names, sources, lambda f: f'type "{f.type}"', f'type "{dest.type}"')
        ctx.diag.error(
            "EXTERNAL_TYPE_MISMATCH",
            (
                f'Type of field "{dest.coordinate}" is incompatible across subgraphs (where '
                f"marked @external): it has {detail}"
            ),
            coordinate=dest.coordinate,
        )
    for arg in missing_args:
        ctx.diag.error(
            "EXTERNAL_ARGUMENT_MISSING",
            (
                f'Field "{dest.coordinate}" is missing argument "{dest.coordinate}({arg}:)" '
                "in some subgraphs where it is marked @external"
            ),
            coordinate=dest.coordinate,
        )


def merge_field(ctx: Ctx, sources: Sources[Field], dest: SField, state: OverrideState) -> None:
    itf_fields = {
        i: interface_object_fields(ctx, ctx.sg.types[dest.parent], dest.name, i)
        for i, f in sources.items()
        if f is None
    }
    every_external = all(
        ctx.infos[i].is_external(f) for i, f in sources.items() if f is not None
    ) and all(ctx.infos[i].is_external(f) for i, fs in itf_fields.items() for f in fs)
    if every_external:
        defining = [ctx.names[i] for i, f in sources.items() if f is not None]
        ctx.diag.error(
            "EXTERNAL_MISSING_ON_BASE",
            (
                f'Field "{dest.coordinate}" is marked @external on all the subgraphs in '
                f"which it is listed ({subgraph_list(defining)})."
            ),
            coordinate=dest.coordinate,
        )
        return
    without_external: Sources[Field] = {}
    for idx, f in sources.items():
        if f is not None and ctx.infos[idx].is_external(f):
            without_external[idx] = None
            for a in f.directives:
                if applied.supergraph_name(ctx, idx, a) is not None:
                    ctx.diag.error(
                        "MERGED_DIRECTIVE_APPLICATION_ON_EXTERNAL",
                        (
                            f"Cannot apply merged directive {applied.render(a, a.name)} "
                            "to external "
                            f'field "{dest.coordinate}"'
                        ),
                        subgraph=ctx.names[idx],
                        coordinate=dest.coordinate,
                    )
        else:
            without_external[idx] = f
    present = {i: f for i, f in without_external.items() if f is not None}
    if present:
        merge_description(present, dest)
        applied.record(ctx, present, dest)
        merge_arguments(ctx, without_external, dest)
    all_equal = merge_type_ref(
        ctx,
        present or {i: f for i, f in sources.items() if f is not None},
        dest,
        dest.coordinate,
        False,
        "field",
    )
    if any(f is not None and ctx.infos[i].is_external(f) for i, f in sources.items()):
        _validate_externals(ctx, sources, dest, all_equal)
    add_join_field(ctx, sources, dest, all_equal, state)


def validate_sharing(ctx: Ctx, sources: Sources[Field], dest: SField, state: OverrideState) -> None:
    shareable: list[str] = []
    non_shareable: list[str] = []
    resolving: list[str] = []

    def categorize(idx: int, label: str, f: Field) -> None:
        if not ctx.infos[idx].is_fully_external(f):
            resolving.append(label)
            (shareable if ctx.infos[idx].is_shareable(f) else non_shareable).append(label)

    for idx, f in sources.items():
        name = f'"{ctx.names[idx]}"'
        if f is None:
            for itf_field in interface_object_fields(
                ctx, ctx.sg.types[dest.parent], dest.name, idx
            ):
                categorize(
                    idx,
                    f'{name} (through @interfaceObject field "{itf_field.coordinate}")',
                    itf_field,
                )
            continue
        if state.used_overridden(idx) or state.unused_overridden(idx):
            continue
        categorize(idx, name, f)
    if non_shareable and (shareable or len(non_shareable) > 1):

        def listed(items: list[str]) -> str:
            return ("subgraph " if len(items) == 1 else "subgraphs ") + (
                items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
            )

        which = listed(non_shareable) if shareable else "all of them"
        extra = ""
        unknown = next(
            (i for i in state.unknown_target if f'"{ctx.names[i]}"' in non_shareable), None
        )
        if unknown is not None:
            extra = (
                f' (please note that "{dest.coordinate}" has '
                f'an @override directive in "{ctx.names[unknown]}" '
                "that targets an unknown subgraph so this could be due to misspelling the "
                "@override(from:) argument)"
            )
        ctx.diag.error(
            "INVALID_FIELD_SHARING",
            (
                f'Non-shareable field "{dest.coordinate}" is resolved from multiple subgraphs: '
                f"it is resolved from {listed(resolving)} and defined as non-shareable in "
                f"{which}{extra}"
            ),
            coordinate=dest.coordinate,
        )


def merge_composite(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    fields = shallow_fields(ctx, sources, dest)
    if not fields:
        del ctx.sg.types[dest.name]  # e.g. a Query with only _entities/_service
        return
    for name, field_sources in fields.items():
        dest_field = SField(name, dest.name)
        dest.fields[name] = dest_field
        state = validate_override(ctx, field_sources, dest_field.coordinate, dest.kind)
        merge_field(ctx, field_sources, dest_field, state)
        if dest.kind == "OBJECT":
            validate_sharing(ctx, field_sources, dest_field, state)
