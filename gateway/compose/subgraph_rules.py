"""Federation rules checked on each subgraph alone (keys, requires, provides, externals)."""

from __future__ import annotations

from collections.abc import Callable

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.federation import FedInfo, fields_arg, printed
from gateway.compose.fieldset import FieldSetError, Selected, resolve
from gateway.compose.subgraph import Field, TypeDef


def _composite_kind(info: FedInfo, name: str) -> str | None:
    type_def = info.subgraph.types.get(name)
    return type_def.kind if type_def and type_def.kind in ("INTERFACE", "UNION") else None


def _check_selection(
    info: FedInfo,
    directive: str,
    selected: list[Selected],
    in_external: bool,
    report: Callable[[str, str], None],
) -> None:
    upper = directive.upper()
    for s in selected:
        if s.directives:
            report(
                f"{upper}_DIRECTIVE_IN_FIELDS_ARG",
                (
                    f"cannot have directive applications in the @{directive}(fields:) argument "
                    f"but found {', '.join(s.directives)}."
                ),
            )
        if directive == "key":
            kind = _composite_kind(info, s.field.type.base)
            if kind is not None:
                label = "Interface" if kind == "INTERFACE" else "Union"
                report(
                    "KEY_FIELDS_SELECT_INVALID_TYPE",
                    (
                        f'field "{s.field.coordinate}" is a {label} type which is not allowed in '
                        "@key"
                    ),
                )
        if s.field.args and directive != "requires":
            report(
                f"{upper}_FIELDS_HAS_ARGS",
                (
                    f"field {s.field.coordinate} cannot be included because it has arguments "
                    f"(fields with argument are not allowed in @{directive})"
                ),
            )
        external = info.is_external(s.field)
        if directive != "key" and not s.children and not external and not in_external:
            report(
                f"{upper}_FIELDS_MISSING_EXTERNAL",
                (
                    f'field "{s.field.coordinate}" should not be part of a @{directive} since '
                    "it is already provided by this subgraph (it is not marked @external)"
                ),
            )
        _check_selection(info, directive, s.children, in_external or external, report)


def _check_field_set(
    info: FedInfo,
    diagnostics: Diagnostics,
    directive: str,
    type_name: str,
    text: str,
    target: str,
    shown: str,
) -> None:
    def report(code: str, message: str) -> None:
        diagnostics.error(
            code,
            f"On {target}, for {shown}: {message}",
            subgraph=info.name,
            coordinate=target.split('"')[1],
        )

    try:
        selected = resolve(info.subgraph, type_name, text)
    except FieldSetError as exc:
        report(f"{directive.upper()}_INVALID_FIELDS", str(exc))
        return
    _check_selection(info, directive, selected, False, report)


def _check_keys(info: FedInfo, type_def: TypeDef, diagnostics: Diagnostics) -> None:
    keys = info.keys(type_def)
    if type_def.kind == "INTERFACE" and keys and info.subgraph.names.version < (2, 3):
        diagnostics.error(
            "KEY_UNSUPPORTED_ON_INTERFACE",
            (
                f'Cannot use @key on interface "{type_def.name}": @key is not yet supported '
                "on interfaces"
            ),
            subgraph=info.name,
            coordinate=type_def.name,
        )
        return
    for key in keys:
        _check_field_set(
            info,
            diagnostics,
            "key",
            type_def.name,
            key.fields,
            f'type "{type_def.name}"',
            printed(key.applied),
        )
    if type_def.kind == "INTERFACE":
        for key in (k for k in keys if k.resolvable):
            missing = [
                impl.name
                for impl in info.subgraph.implementations(type_def.name)
                if impl.kind == "OBJECT"
                and not any(
                    " ".join(k.fields.split()) == " ".join(key.fields.split())
                    for k in info.keys(impl)
                )
            ]
            if missing:
                listed = ", ".join(f'"{m}"' for m in missing)
                diagnostics.error(
                    "INTERFACE_KEY_NOT_ON_IMPLEMENTATION",
                    (
                        f"Key {printed(key.applied)} on interface "
                        f'type "{type_def.name}" is missing '
                        f"on implementation type{'s' if len(missing) > 1 else ''} {listed}."
                    ),
                    subgraph=info.name,
                    coordinate=type_def.name,
                )


def _check_field(info: FedInfo, type_def: TypeDef, f: Field, diagnostics: Diagnostics) -> None:
    sub = info.subgraph
    for applied in sub.applied(f, "requires"):
        text = fields_arg(applied)
        if text is not None:
            _check_field_set(
                info,
                diagnostics,
                "requires",
                type_def.name,
                text,
                f'field "{f.coordinate}"',
                printed(applied),
            )
    for applied in sub.applied(f, "provides"):
        text = fields_arg(applied)
        if info.is_external(f):
            diagnostics.error(
                "EXTERNAL_COLLISION_WITH_ANOTHER_DIRECTIVE",
                f'Cannot have both @provides and @external on field "{f.coordinate}"',
                subgraph=info.name,
                coordinate=f.coordinate,
            )
            continue
        base = sub.types.get(f.type.base)
        if base is None or base.kind not in ("OBJECT", "INTERFACE", "UNION"):
            diagnostics.error(
                "PROVIDES_ON_NON_OBJECT_FIELD",
                (
                    f'Invalid @provides directive on field "{f.coordinate}": field has type '
                    f'"{f.type}" which is not a Composite Type'
                ),
                subgraph=info.name,
                coordinate=f.coordinate,
            )
            continue
        if text is not None:
            _check_field_set(
                info,
                diagnostics,
                "provides",
                base.name,
                text,
                f'field "{f.coordinate}"',
                printed(applied),
            )
    if info.is_external(f):
        if type_def.kind == "INTERFACE":
            diagnostics.error(
                "EXTERNAL_ON_INTERFACE",
                (
                    f'Interface type field "{f.coordinate}" is marked @external but @external '
                    "is not allowed on interface fields (it is nonsensical)."
                ),
                subgraph=info.name,
                coordinate=f.coordinate,
            )
        elif not info.is_used(f):
            diagnostics.error(
                "EXTERNAL_UNUSED",
                (
                    f'Field "{f.coordinate}" is marked @external but is not used in any federation '
                    "directive (@key, @provides, @requires) or to satisfy an interface; the "
                    "field declaration has no use and should be removed (or the field should "
                    "not be @external)."
                ),
                subgraph=info.name,
                coordinate=f.coordinate,
            )


def check_subgraph(info: FedInfo, diagnostics: Diagnostics) -> None:
    """Report every federation-rule violation of one (Federation 2 or upgraded) subgraph."""
    for type_def in info.subgraph.types.values():
        if type_def.kind not in ("OBJECT", "INTERFACE"):
            continue
        _check_keys(info, type_def, diagnostics)
        if info.is_interface_object(type_def) and not info.keys(type_def):
            diagnostics.error(
                "INTERFACE_OBJECT_USAGE_ERROR",
                (
                    "The @interfaceObject directive can only be applied to entity types but "
                    f'type "{type_def.name}" has no @key in this subgraph.'
                ),
                subgraph=info.name,
                coordinate=type_def.name,
            )
        for f in type_def.fields.values():
            _check_field(info, type_def, f, diagnostics)
