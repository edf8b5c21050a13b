"""Directive applications that reach the supergraph: ``@tag``, ``@inaccessible``,
``@deprecated``, ``@specifiedBy`` and ``@composeDirective``-d custom directives."""

from __future__ import annotations

from collections import Counter
from typing import Any

from graphql import DirectiveNode, NameNode, print_ast

from gateway.compose.authorization import ARGUMENT, merged
from gateway.compose.authorization import SPECS as AUTHORIZATION
from gateway.compose.context import Ctx
from gateway.compose.subgraph import Applied

BUILTIN_MERGED = ("deprecated", "specifiedBy")
SPEC_DIRECTIVES = ("tag", "inaccessible", "authenticated", "requiresScopes", "policy")
REPEATABLE = {"tag"}


def supergraph_name(ctx: Ctx, idx: int, applied: Applied) -> str | None:
    """The supergraph name of ``applied`` if it propagates, else None."""
    canonical = ctx.subgraphs[idx].names.canonical(applied.name)
    if canonical in SPEC_DIRECTIVES:
        return ctx.spec_names.get(canonical)
    if canonical is None and (applied.name in BUILTIN_MERGED or applied.name in ctx.composed[idx]):
        return applied.name
    return None


def render(applied: Applied, name: str) -> str:
    node = applied.node
    if node.name.value != name:
        node = DirectiveNode(name=NameNode(value=name), arguments=node.arguments)
    return print_ast(node)


def _gather(ctx: Ctx, sources: dict[int, Any]) -> list[str]:
    names: list[str] = []
    for idx, element in sources.items():
        for applied in getattr(element, "directives", None) or ():
            name = supergraph_name(ctx, idx, applied)
            if name is not None and name not in names:
                names.append(name)
    return names


def merge_one(ctx: Ctx, name: str, sources: dict[int, Any], dest: Any) -> None:
    per_source: list[list[str]] = []
    for idx, element in sources.items():
        rendered = [
            render(a, name)
            for a in getattr(element, "directives", None) or ()
            if supergraph_name(ctx, idx, a) == name
        ]
        if rendered:
            per_source.append(rendered)
    if not per_source:
        return
    kind = ctx.merged_directives.get(name)
    repeatable = kind in REPEATABLE or (
        kind == "custom"
        and name in ctx.sg.directive_defs
        and ctx.sg.directive_defs[name].repeatable
    )
    if repeatable:
        for rendered in per_source:
            for r in rendered:
                if r not in dest.directives:
                    dest.directives.append(r)
        return
    if kind in ARGUMENT:  # @requiresScopes / @policy: every subgraph's condition holds
        applications = [
            a
            for idx, element in sources.items()
            for a in getattr(element, "directives", None) or ()
            if supergraph_name(ctx, idx, a) == name
        ]
        joined = merged(kind, name, applications)
        if len({r[0] for r in per_source}) > 1:
            ctx.diag.hint(
                "MERGED_NON_REPEATABLE_DIRECTIVE_ARGUMENTS",
                f"Directive @{name} is applied to "
                f'"{getattr(dest, "coordinate", getattr(dest, "name", ""))}" in multiple '
                "subgraphs with different arguments. Merging strategies used by arguments: "
                f'{{ "{ARGUMENT[kind]}": DNF_CONJUNCTION }}',
            )
        dest.directives.append(joined)
        return
    counts = Counter(r[0] for r in per_source)
    best = max(counts, key=lambda r: counts[r])  # first most common, like Apollo's indexOfMax
    if len(counts) > 1:
        ctx.diag.hint(
            "INCONSISTENT_NON_REPEATABLE_DIRECTIVE_ARGUMENTS",
            (
                f"Non-repeatable directive @{name} is applied "
                f'to "{getattr(dest, "coordinate", getattr(dest, "name", ""))}" '
                "in multiple subgraphs but with incompatible arguments. The supergraph "
                f"will use {best}."
            ),
        )
    dest.directives.append(best)


def record(ctx: Ctx, sources: dict[int, Any], dest: Any) -> None:
    """Merge ``@inaccessible`` now (other merge steps read it) and the rest at the end."""
    names = _gather(ctx, sources)
    # Apollo applies the authorization directives in their spec order, after the others.
    order = {n: i for i, n in enumerate(AUTHORIZATION)}
    names.sort(key=lambda n: order.get(ctx.merged_directives.get(n, ""), -1))
    inaccessible = ctx.sg.inaccessible
    if inaccessible in names:
        merge_one(ctx, inaccessible, sources, dest)  # type: ignore[arg-type]
        names.remove(inaccessible)  # type: ignore[arg-type]
    if names:
        ctx.pending.append((names, sources, dest))


def flush(ctx: Ctx) -> None:
    for names, sources, dest in ctx.pending:
        for name in names:  # type: ignore[attr-defined]
            merge_one(ctx, name, sources, dest)  # type: ignore[arg-type]
    ctx.pending.clear()


def is_inaccessible(ctx: Ctx, dest: Any) -> bool:
    name = ctx.sg.inaccessible
    return name is not None and any(d == f"@{name}" for d in dest.directives)
