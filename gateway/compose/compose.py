"""Composition pipeline: parse → check each subgraph → upgrade Fed 1 → merge → validate → print.

Each stage runs only when the previous one found no error (like Apollo), and reports all
the errors it finds at once.
"""

from __future__ import annotations

from graphql import GraphQLSyntaxError, parse

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.fed1 import upgrade_fed1
from gateway.compose.federation import fed_info
from gateway.compose.inaccessible import check_inaccessible
from gateway.compose.merge import merge
from gateway.compose.model import CompositionResult, SubgraphSource
from gateway.compose.printer import print_supergraph
from gateway.compose.satisfiability import check_satisfiability
from gateway.compose.sdl_check import graphql_errors
from gateway.compose.subgraph import Subgraph, build_subgraph
from gateway.compose.subgraph_rules import check_subgraph


def _failed(diag: Diagnostics) -> CompositionResult:
    return CompositionResult(None, tuple(diag.errors), tuple(diag.hints))


def _parse(sources: list[SubgraphSource], diag: Diagnostics) -> list[Subgraph]:
    subgraphs: list[Subgraph] = []
    seen: set[str] = set()
    for source in sources:
        if source.name in seen:
            diag.error(
                "INVALID_SUBGRAPH_NAME",
                f'A subgraph named "{source.name}" is listed more than once.',
                subgraph=source.name,
            )
            continue
        seen.add(source.name)
        try:
            doc = parse(source.sdl)
        except GraphQLSyntaxError as exc:
            diag.error("INVALID_GRAPHQL", exc.message, subgraph=source.name)
            continue
        subgraph = build_subgraph(source.name, source.url, doc)
        for error in graphql_errors(doc, subgraph):
            diag.error("INVALID_GRAPHQL", error.message, subgraph=source.name)
        subgraphs.append(subgraph)
    return subgraphs


def compose(sources: list[SubgraphSource]) -> CompositionResult:
    """Compose subgraph SDLs into a Federation v2 supergraph SDL (or Apollo-coded errors)."""
    diag = Diagnostics()
    if not sources:
        diag.error("NO_QUERIES", "No subgraphs to compose.")
        return _failed(diag)
    subgraphs = _parse(sources, diag)
    if diag.errors:
        return _failed(diag)
    upgrade_fed1(subgraphs, diag)
    if diag.errors:
        return _failed(diag)
    infos = [fed_info(s) for s in subgraphs]
    for info in infos:
        check_subgraph(info, diag)
    if diag.errors:
        return _failed(diag)
    supergraph = merge(subgraphs, infos, diag)
    if supergraph is None:
        return _failed(diag)
    check_inaccessible(supergraph, diag)
    if diag.errors:
        return _failed(diag)
    check_satisfiability(supergraph, subgraphs, infos, diag)
    if diag.errors:
        return _failed(diag)
    return CompositionResult(print_supergraph(supergraph), (), tuple(diag.hints))
