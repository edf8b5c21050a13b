"""Which linked features the supergraph carries: ``tag``/``inaccessible`` and the
authorization directives (``gateway.compose.authorization``) when used, and features of
``@composeDirective``-d custom directives (latest version across subgraphs)."""

from __future__ import annotations

from graphql import StringValueNode

from gateway.compose.authorization import SCALARS
from gateway.compose.authorization import SPECS as AUTHORIZATION_SPECS
from gateway.compose.context import Ctx, gql_string
from gateway.compose.links import FEDERATION_IDENTITY, LinkedFeature
from gateway.compose.subgraph import Applied, Subgraph
from gateway.compose.supermodel import SArg, SDirectiveDef

_SPECS = {
    "tag": (
        "https://specs.apollo.dev/tag/v0.3",
        "",
        (
            "directive @{n}(name: String!) repeatable on FIELD_DEFINITION | OBJECT "
            "| INTERFACE | UNION | ARGUMENT_DEFINITION | SCALAR | ENUM | ENUM_VALUE "
            "| INPUT_OBJECT | INPUT_FIELD_DEFINITION | SCHEMA"
        ),
    ),
    "inaccessible": (
        "https://specs.apollo.dev/inaccessible/v0.2",
        ", for: SECURITY",
        (
            "directive @{n} on FIELD_DEFINITION | OBJECT | INTERFACE | UNION | ARGUMENT_DEFINITION "
            "| SCALAR | ENUM | ENUM_VALUE | INPUT_OBJECT | INPUT_FIELD_DEFINITION"
        ),
    ),
    **AUTHORIZATION_SPECS,
}


def _applications(subgraph: Subgraph) -> set[str]:
    used = {a.name for a in subgraph.schema_directives}
    for t in subgraph.types.values():
        used.update(a.name for a in t.directives)
        for f in t.fields.values():
            used.update(a.name for a in f.directives)
            for arg in f.args.values():
                used.update(a.name for a in arg.directives)
        for v in t.values.values():
            used.update(a.name for a in v.directives)
    return used


def plan_spec_directives(ctx: Ctx) -> None:
    """Decide the supergraph names of the spec directives (LINK_IMPORT_NAME_MISMATCH)."""
    usages = [_applications(s) for s in ctx.subgraphs]
    order: list[str] = []  # Apollo adds features in order of first use across subgraphs
    for s, used in zip(ctx.subgraphs, usages, strict=True):
        order += [
            c
            for c in _SPECS
            if c not in order and s.names.local(c) in used and c in s.names.local_by_directive
        ]
    for canonical in order:
        url, purpose, template = _SPECS[canonical]
        local_names = {
            s.name: s.names.local(canonical)
            for s, used in zip(ctx.subgraphs, usages, strict=True)
            if s.names.local(canonical) in used and canonical in s.names.local_by_directive
        }
        if not local_names:
            continue
        distinct = sorted(set(local_names.values()))
        if len(distinct) > 1:
            listed = " and ".join(f'"@{n}" in subgraph "{s}"' for s, n in local_names.items())
            ctx.diag.error(
                "LINK_IMPORT_NAME_MISMATCH",
                (
                    f'The "@{canonical}" directive (from {url}) is imported with mismatched '
                    f"name between subgraphs: it is imported as {listed}."
                ),
            )
            continue
        name = distinct[0]
        ctx.spec_names[canonical] = name
        ctx.merged_directives[name] = canonical
        imports = (
            "" if name == canonical else f', import: [{{name: "@{canonical}", as: "@{name}"}}]'
        )
        ctx.sg.links.append(f"@link(url: {gql_string(url)}{purpose}{imports})")
        ctx.sg.spec_directive_sdl.append(template.replace("{n}", name))
        if canonical == "inaccessible":
            ctx.sg.inaccessible = name
        if canonical in SCALARS:
            ctx.sg.spec_type_sdl[SCALARS[canonical]] = f"scalar {SCALARS[canonical]}"


def _string(applied: Applied, arg: str) -> str | None:
    node = applied.args.get(arg)
    return node.value if isinstance(node, StringValueNode) else None


def _feature_of(subgraph: Subgraph, name: str) -> tuple[LinkedFeature, str] | None:
    for feature in subgraph.names.features:
        for element, local in feature.imports.items():
            if local == "@" + name:
                return feature, element[1:]
        if name == feature.prefix or name.startswith(feature.prefix + "__"):
            original = feature.name if name == feature.prefix else name[len(feature.prefix) + 2 :]
            return feature, original
    return None


def plan_composed_directives(ctx: Ctx) -> None:
    """Validate ``@composeDirective`` uses; keep their features and definitions."""
    latest: dict[str, tuple[LinkedFeature, int]] = {}
    chosen: dict[str, tuple[str, str, int]] = {}  # name → (identity, original name, subgraph idx)
    for idx, s in enumerate(ctx.subgraphs):
        ctx.composed.append(set())
        for applied in s.schema_directives:
            if s.names.canonical(applied.name) != "composeDirective":
                continue
            arg = _string(applied, "name") or ""
            where = f'in subgraph "{s.name}"'
            if not arg.startswith("@"):
                ctx.diag.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    f'Argument to @composeDirective "{arg}" {where} must have a leading "@"',
                    subgraph=s.name,
                )
                continue
            name = arg[1:]
            if name not in s.directive_defs:
                ctx.diag.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    (
                        "Could not find matching directive definition "
                        "for argument to @composeDirective "
                        f'"@{name}" {where}.'
                    ),
                    subgraph=s.name,
                )
                continue
            found = _feature_of(s, name)
            if found is None:
                ctx.diag.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    (
                        f'Directive "@{name}" {where} cannot be composed '
                        "because it is not a member "
                        "of a core feature"
                    ),
                    subgraph=s.name,
                )
                continue
            feature, original = found
            if feature.identity == FEDERATION_IDENTITY or name in ctx.spec_names.values():
                ctx.diag.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    (
                        f'Directive "@{name}" {where} cannot be composed because it conflicts with '
                        "automatically composed federation directive"
                    ),
                    subgraph=s.name,
                )
                continue
            previous = chosen.get(name)
            if previous is not None and previous[:2] != (feature.identity, original):
                ctx.diag.error(
                    "DIRECTIVE_COMPOSITION_ERROR",
                    (
                        f'Composed directive "@{name}" does not refer '
                        "to the same directive in every "
                        "subgraph"
                    ),
                )
                continue
            ctx.composed[idx].add(name)
            best = latest.get(feature.identity)
            if best is None or feature.version > best[0].version:
                latest[feature.identity] = (feature, idx)
                chosen[name] = (feature.identity, original, idx)
            elif previous is None:
                chosen[name] = (feature.identity, original, best[1])
    for identity, (feature, _idx) in latest.items():
        directives = [(n, orig) for n, (ident, orig, _) in chosen.items() if ident == identity]
        imports = ", ".join(
            gql_string("@" + n) if n == orig else f'{{name: "@{orig}", as: "@{n}"}}'
            for n, orig in directives
        )
        ctx.sg.links.append(f"@link(url: {gql_string(feature.url)}, import: [{imports}])")
    for name, (_identity, _orig, idx) in chosen.items():
        d = ctx.subgraphs[idx].directive_defs[name]
        ctx.merged_directives[name] = "custom"
        ctx.sg.directive_defs[name] = SDirectiveDef(
            name,
            {a.name: SArg(a.name, a.type, a.default, a.description) for a in d.args.values()},
            list(d.locations),
            d.repeatable,
            d.description,
        )
