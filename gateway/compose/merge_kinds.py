"""Merging unions, enums, input objects, and the per-type ``@join__type`` / implements."""

from __future__ import annotations

from graphql import BooleanValueNode

from gateway.compose import applied
from gateway.compose.context import Ctx, EnumUsage, Sources, directive, gql_string
from gateway.compose.diagnostics import subgraph_list
from gateway.compose.merge_fields import (
    add_join_field,
    merge_default,
    merge_description,
    merge_type_ref,
)
from gateway.compose.override import OverrideState
from gateway.compose.subgraph import EnumValue, Field, TypeDef
from gateway.compose.supermodel import SEnumValue, SField, SType


def add_join_types(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    for idx, t in sources.items():
        assert t is not None
        info = ctx.infos[idx]
        itf_object = True if info.is_interface_object(t) else None
        keys = info.keys(t) if t.kind in ("OBJECT", "INTERFACE") else []
        if not keys:
            dest.directives.append(
                directive(
                    "join__type", [("graph", ctx.graph(idx)), ("isInterfaceObject", itf_object)]
                )
            )
        for key in keys:
            resolvable = key.applied.args.get("resolvable")
            dest.directives.append(
                directive(
                    "join__type",
                    [
                        ("graph", ctx.graph(idx)),
                        ("key", gql_string(key.fields)),
                        ("extension", True if key.on_extension else None),
                        (
                            "resolvable",
                            resolvable.value if isinstance(resolvable, BooleanValueNode) else None,
                        ),
                        ("isInterfaceObject", itf_object),
                    ],
                )
            )


def merge_implements(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    for idx, t in sources.items():
        assert t is not None
        for itf in t.interfaces:
            if itf not in dest.interfaces:
                dest.interfaces.append(itf)
            dest.directives.append(
                directive(
                    "join__implements", [("graph", ctx.graph(idx)), ("interface", gql_string(itf))]
                )
            )


def check_extension_has_base(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    if dest.name in ctx.sg.roots.values():
        return
    definitions = [
        i
        for i, t in sources.items()
        if t is not None and t.has_definition and not ctx.subgraphs[i].has(t, "extends")
    ]
    if definitions:
        return
    for idx, t in sources.items():
        if t is not None:
            ctx.diag.error(
                "EXTENSION_WITH_NO_BASE",
                (
                    f'Type "{dest.name}" is an extension type, but there is no type definition '
                    f'for "{dest.name}" in any subgraph.'
                ),
                subgraph=ctx.names[idx],
                coordinate=dest.name,
            )


def merge_union(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    for t in sources.values():
        for m in t.members if t else ():
            if m not in dest.members:
                dest.members.append(m)
    for member in dest.members:
        for idx, t in sources.items():
            if t is not None and member in t.members:
                dest.directives.append(
                    directive(
                        "join__unionMember",
                        [("graph", ctx.graph(idx)), ("member", gql_string(member))],
                    )
                )


def merge_enum(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    usage = ctx.enum_usage.get(dest.name)
    if usage is None:
        usage = EnumUsage("Output")
        ctx.diag.hint(
            "UNUSED_ENUM_TYPE",
            (
                f'Enum type "{dest.name}" is defined but unused. It will be included in '
                'the supergraph with all the values appearing in any subgraph ("as if" '
                "it was only used as an output type)."
            ),
            dest.name,
        )
    names: list[str] = []
    for t in sources.values():
        for v in t.values if t else ():
            if v not in names:
                names.append(v)
    for name in names:
        value_sources: Sources[EnumValue] = {
            i: t.values[name] for i, t in sources.items() if t and name in t.values
        }
        value = SEnumValue(name)
        merge_description(value_sources, value)
        applied.record(ctx, value_sources, value)
        for idx in value_sources:
            value.directives.append(directive("join__enumValue", [("graph", ctx.graph(idx))]))
        missing = [
            ctx.names[i] for i, t in sources.items() if t is not None and name not in t.values
        ]
        if missing and usage.position != "Output" and not applied.is_inaccessible(ctx, value):
            having = [ctx.names[i] for i in value_sources]
            if usage.position == "Both":
                ctx.diag.error(
                    "ENUM_VALUE_MISMATCH",
                    (
                        f'Enum type "{dest.name}" is used as both input type (for example, as type '
                        f'of "{usage.examples.get("Input")}") and '
                        "output type (for example, as type "
                        f'of "{usage.examples.get("Output")}"), but value "{name}" is not defined '
                        f'in all the subgraphs defining "{dest.name}": '
                        f'"{name}" is defined in {subgraph_list(having)} '
                        f"but not in {subgraph_list(missing)}"
                    ),
                    coordinate=f"{dest.name}.{name}",
                )
            else:
                ctx.diag.hint(
                    "INCONSISTENT_ENUM_VALUE_FOR_INPUT_ENUM",
                    (
                        f'Value "{name}" of enum type "{dest.name}" '
                        "will not be part of the supergraph "
                        f'as it is not defined in all the subgraphs defining "{dest.name}"'
                    ),
                    f"{dest.name}.{name}",
                )
                continue
        dest.values[name] = value
    if not dest.values:
        ctx.diag.error(
            "EMPTY_MERGED_ENUM_TYPE",
            (
                f'None of the values of enum type "{dest.name}" are defined consistently '
                "in all the subgraphs defining that type. As only values common to all "
                "subgraphs are merged, this would result in an empty type."
            ),
            coordinate=dest.name,
        )


def merge_input(ctx: Ctx, sources: Sources[TypeDef], dest: SType) -> None:
    order: list[str] = []
    for t in sources.values():
        for f in t.fields if t else ():
            if f not in order:
                order.append(f)
    for name in order:
        field_sources: Sources[Field] = {
            i: (t.fields.get(name) if t else None) for i, t in sources.items()
        }
        present = {i: f for i, f in field_sources.items() if f is not None}
        dest_field = SField(name, dest.name)
        merge_description(present, dest_field)
        applied.record(ctx, present, dest_field)
        all_equal = merge_type_ref(
            ctx, present, dest_field, dest_field.coordinate, True, "input field"
        )
        add_join_field(ctx, field_sources, dest_field, all_equal, OverrideState())
        merge_default(ctx, present, dest_field, dest_field.coordinate, "Input field")
        missing = [ctx.names[i] for i, f in field_sources.items() if f is None]
        if missing and not applied.is_inaccessible(ctx, dest_field):
            required = [
                ctx.names[i] for i, f in present.items() if f.type.non_null and f.default is None
            ]
            if required:
                ctx.diag.error(
                    "REQUIRED_INPUT_FIELD_MISSING_IN_SOME_SUBGRAPH",
                    (
                        f'Input object field "{dest_field.coordinate}" '
                        "is required in some subgraphs "
                        "but does not appear in all subgraphs: it "
                        f"is required in {subgraph_list(required)} "
                        f"but does not appear in {subgraph_list(missing)}"
                    ),
                    coordinate=dest_field.coordinate,
                )
            else:
                ctx.diag.hint(
                    "INCONSISTENT_INPUT_OBJECT_FIELD",
                    (
                        f'Input object field "{name}" will not be added to "{dest.name}" in the '
                        "supergraph as it does not appear in all subgraphs"
                    ),
                    dest_field.coordinate,
                )
            continue
        dest.fields[name] = dest_field
    if not dest.fields:
        ctx.diag.error(
            "EMPTY_MERGED_INPUT_TYPE",
            (
                f'None of the fields of input object type "{dest.name}" are consistently '
                "defined in all the subgraphs defining that type. As only fields common "
                "to all subgraphs are merged, this would result in an empty type."
            ),
            coordinate=dest.name,
        )
