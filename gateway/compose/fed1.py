"""Upgrade Federation 1 subgraphs to Federation 2 semantics before merging (Apollo's
``schemaUpgrader``): type extensions become definitions, ``@external`` on key fields of
extensions goes, unused externals go, and fields/value types that other subgraphs also
resolve become ``@shareable``."""

from __future__ import annotations

from graphql import DirectiveNode, NameNode

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.federation import fed_info, fields_arg
from gateway.compose.fieldset import target_fields
from gateway.compose.subgraph import Applied, Field, Subgraph, TypeDef


def _remove(subgraph: Subgraph, element: TypeDef | Field, canonical: str) -> None:
    local = subgraph.names.local(canonical)
    element.directives = [d for d in element.directives if d.name != local]


def _shareable() -> Applied:
    return Applied("shareable", {}, DirectiveNode(name=NameNode(value="shareable"), arguments=()))


def _drop_external_on_extension_keys(subgraph: Subgraph, others: list[Subgraph]) -> None:
    for type_def in subgraph.types.values():
        if type_def.kind not in ("OBJECT", "INTERFACE"):
            continue
        is_extension = type_def.has_extension or subgraph.has(type_def, "extends")
        if not is_extension and not (subgraph.is_root(type_def.name) and type_def.has_extension):
            continue
        keys = [fields_arg(a) for a in subgraph.applied(type_def, "key")]
        key_fields = [f for k in keys if k for f in target_fields(subgraph, type_def.name, k)]
        if not keys:
            # fed1 oddity: fields of the first key of the owning subgraph are not external.
            for other in others:
                other_type = other.types.get(type_def.name)
                first = next(iter(other.applied(other_type, "key")), None) if other_type else None
                text = fields_arg(first) if first else None
                if text and other_type is not None:
                    key_fields += [
                        type_def.fields[f.name]
                        for f in target_fields(other, type_def.name, text)
                        if f.parent == type_def.name and f.name in type_def.fields
                    ]
        for f in key_fields:
            if f.parent == type_def.name:
                _remove(subgraph, f, "external")


def _drop_unused_externals(subgraph: Subgraph, diagnostics: Diagnostics) -> None:
    info = fed_info(subgraph)
    referenced = {f.type.base for t in subgraph.types.values() for f in t.fields.values()}
    referenced |= {m for t in subgraph.types.values() for m in t.members}
    for type_def in list(subgraph.types.values()):
        if type_def.kind not in ("OBJECT", "INTERFACE"):
            continue
        for name, f in list(type_def.fields.items()):
            if info.is_external(f) and not info.is_used(f):
                del type_def.fields[name]
        if not type_def.fields:
            if type_def.name in referenced:
                diagnostics.error(
                    "TYPE_WITH_ONLY_UNUSED_EXTERNAL",
                    (
                        f"Type {type_def.name} contains only external fields and all those fields "
                        "are all unused (they do not appear in any @key, @provides or @requires)."
                    ),
                    subgraph=subgraph.name,
                    coordinate=type_def.name,
                )
            else:
                del subgraph.types[type_def.name]


def _add_shareable(
    subgraph: Subgraph, originals: dict[str, set[str]], all_: list[Subgraph]
) -> None:
    infos = {s.name: fed_info(s) for s in all_}
    for type_def in subgraph.types.values():
        if type_def.kind != "OBJECT" or subgraph.roots.get("subscription") == type_def.name:
            continue
        others = [s for s in all_ if s.name != subgraph.name and type_def.name in s.types]
        if subgraph.applied(type_def, "key") or subgraph.is_root(type_def.name):
            for f in type_def.fields.values():
                if f.coordinate in originals[subgraph.name]:
                    continue  # key fields: shareable by default
                resolved_elsewhere = any(
                    (of := o.types[type_def.name].fields.get(f.name)) is not None
                    and (
                        not infos[o.name].is_external(of) or of.coordinate in infos[o.name].provided
                    )
                    for o in others
                )
                if resolved_elsewhere and not subgraph.has(f, "shareable"):
                    f.directives.append(_shareable())
        elif others and not subgraph.has(type_def, "shareable"):
            type_def.directives.append(_shareable())


def _check_extension_has_base(s: Subgraph, all_: list[Subgraph], diagnostics: Diagnostics) -> None:
    for type_def in s.types.values():
        is_extension = (type_def.has_extension and not type_def.has_definition) or s.has(
            type_def, "extends"
        )
        if not is_extension or s.is_root(type_def.name):
            continue
        if not any(
            (t := o.types.get(type_def.name)) is not None
            and t.has_definition
            and not o.has(t, "extends")
            for o in all_
            if o is not s
        ):
            diagnostics.error(
                "EXTENSION_WITH_NO_BASE",
                (
                    f'Type "{type_def.name}" is an extension type, but there is no type definition '
                    f'for "{type_def.name}" in any subgraph.'
                ),
                subgraph=s.name,
                coordinate=type_def.name,
            )


def upgrade_fed1(subgraphs: list[Subgraph], diagnostics: Diagnostics) -> None:
    """Upgrade in place every Federation 1 subgraph of ``subgraphs``."""
    fed1 = [s for s in subgraphs if not s.names.fed2]
    if not fed1:
        return
    for s in fed1:
        _check_extension_has_base(s, subgraphs, diagnostics)
    for s in fed1:
        for type_def in s.types.values():
            if type_def.kind == "INTERFACE":
                for f in type_def.fields.values():
                    _remove(s, f, "external")
                    _remove(s, f, "provides")
                    _remove(s, f, "requires")
                _remove(s, type_def, "key")
            if type_def.kind == "OBJECT":
                _remove(s, type_def, "external")
                for f in type_def.fields.values():
                    if f.type.base in s.types and s.types[f.type.base].kind in ("SCALAR", "ENUM"):
                        _remove(s, f, "provides")
        _drop_external_on_extension_keys(s, [o for o in subgraphs if o is not s])
    originals = {s.name: fed_info(s).shareable for s in fed1}
    for s in fed1:
        for type_def in s.types.values():
            type_def.has_extension = False
            type_def.has_definition = True
            _remove(s, type_def, "extends")
            for applied in type_def.directives:
                applied.on_extension = False
            for f in type_def.fields.values():
                f.on_extension = False
        _drop_unused_externals(s, diagnostics)
    for s in fed1:
        _add_shareable(s, originals, subgraphs)
    for s in fed1:
        s.names.fed2 = True
        s.names.version = (2, 0)
        for canonical in ("shareable", "override", "composeDirective", "interfaceObject"):
            s.names.local_by_directive.setdefault(canonical, canonical)
            s.names.directive_by_local.setdefault(canonical, canonical)
