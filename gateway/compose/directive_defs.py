"""Executable directive definitions: kept only when every subgraph defines them
(intersection of locations, repeatable only if repeatable everywhere)."""

from __future__ import annotations

from graphql import print_ast

from gateway.compose.context import Ctx
from gateway.compose.links import FEDERATION_IDENTITY
from gateway.compose.merge_fields import merge_description, merge_type_ref
from gateway.compose.subgraph import BUILTIN_DIRECTIVES, DirectiveDef
from gateway.compose.supermodel import SArg, SDirectiveDef

EXECUTABLE = (
    "QUERY",
    "MUTATION",
    "SUBSCRIPTION",
    "FIELD",
    "FRAGMENT_DEFINITION",
    "FRAGMENT_SPREAD",
    "INLINE_FRAGMENT",
    "VARIABLE_DEFINITION",
)


def _is_candidate(ctx: Ctx, idx: int, d: DirectiveDef) -> bool:
    sub = ctx.subgraphs[idx]
    if d.name in BUILTIN_DIRECTIVES or d.name == "link" or sub.names.canonical(d.name):
        return False
    if d.name in ctx.composed[idx] or d.name in ctx.sg.directive_defs:
        return False
    linked = any(
        d.name.startswith(f.prefix + "__") or f"@{d.name}" in f.imports.values()
        for f in sub.names.features
        if f.identity == FEDERATION_IDENTITY
    )
    return not linked and any(loc in EXECUTABLE for loc in d.locations)


def merge_executable_directives(ctx: Ctx) -> None:
    names: list[str] = []
    for idx, sub in enumerate(ctx.subgraphs):
        for d in sub.directive_defs.values():
            if _is_candidate(ctx, idx, d) and d.name not in names:
                names.append(d.name)
    for name in names:
        sources = {i: s.directive_defs.get(name) for i, s in enumerate(ctx.subgraphs)}
        if any(d is None for d in sources.values()):
            ctx.diag.hint(
                "INCONSISTENT_EXECUTABLE_DIRECTIVE_PRESENCE",
                (
                    f'Executable directive "@{name}" will not be part of the supergraph as it '
                    "does not appear in all subgraphs"
                ),
                "@" + name,
            )
            continue
        defs = [d for d in sources.values() if d is not None]
        locations = [loc for loc in sorted(defs[0].locations) if loc in EXECUTABLE]
        for d in defs[1:]:
            locations = [loc for loc in locations if loc in d.locations]
        if not locations:
            ctx.diag.hint(
                "NO_EXECUTABLE_DIRECTIVE_LOCATIONS_INTERSECTION",
                f'Executable directive "@{name}" has no location that is common to all subgraphs',
                "@" + name,
            )
            continue
        dest = SDirectiveDef(name, {}, locations, all(d.repeatable for d in defs))
        merge_description(sources, dest)
        arg_names = [a for a in defs[0].args if all(a in d.args for d in defs)]
        for arg in arg_names:
            arg_sources = {i: d.args[arg] for i, d in sources.items() if d is not None}
            dest_arg = SArg(arg)
            merge_type_ref(ctx, arg_sources, dest_arg, f"@{name}({arg}:)", True, "argument")
            defaults = {print_ast(a.default) if a.default else None for a in arg_sources.values()}
            dest_arg.default = defs[0].args[arg].default if len(defaults) == 1 else None
            dest.args[arg] = dest_arg
        ctx.sg.directive_defs[name] = dest
