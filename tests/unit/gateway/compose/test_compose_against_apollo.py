"""Differential tests: our composition against Apollo's (``tools/apollo-compose``).

Each fixture directory holds subgraph SDLs and ``apollo.json``, the output of
``@apollo/composition`` for them. Success cases must yield the same supergraph
(compared semantically: definitions sorted, printed by graphql-core); error cases must
fail with the same Apollo error codes and write nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import DefinitionNode, DocumentNode, parse, print_ast

from gateway.compose import compose
from tests.unit.gateway.compose.conftest import fixture_dirs, load_fixture


def _name(node: DefinitionNode) -> str:
    name = getattr(node, "name", None)
    return name.value if name is not None else ""


def normalised(sdl: str) -> str:
    """Definitions sorted by kind and name; directive order, fields and values kept."""
    doc = parse(sdl, no_location=True)
    ordered = sorted(doc.definitions, key=lambda d: (d.kind, _name(d)))
    return print_ast(DocumentNode(definitions=tuple(ordered)))


@pytest.mark.parametrize("directory", fixture_dirs("ok_"), ids=lambda p: p.name)
def test_supergraph_matches_apollo(directory: Path) -> None:
    fixture = load_fixture(directory)
    result = compose(fixture.sources)
    assert result.errors == (), [str(e) for e in result.errors]
    assert result.supergraph_sdl is not None
    assert normalised(result.supergraph_sdl) == normalised(fixture.apollo["supergraph"])


@pytest.mark.parametrize("directory", fixture_dirs("ok_"), ids=lambda p: p.name)
def test_supergraph_is_printed_like_apollo(directory: Path) -> None:
    # Stronger than the semantic check: the definition order and layout match too, so a
    # committed supergraph does not churn between the two tools.
    fixture = load_fixture(directory)
    assert compose(fixture.sources).supergraph_sdl == fixture.apollo["supergraph"]


@pytest.mark.parametrize("directory", fixture_dirs("err_"), ids=lambda p: p.name)
def test_errors_match_apollo_codes(directory: Path) -> None:
    fixture = load_fixture(directory)
    result = compose(fixture.sources)
    assert result.supergraph_sdl is None
    ours = {e.code for e in result.errors}
    assert ours == {e["code"] for e in fixture.apollo["errors"]}


def test_every_apollo_error_case_reports_each_error() -> None:
    # All errors at once: where Apollo reports n errors of a code, so do we (except
    # INVALID_GRAPHQL, where graphql-js stops at the first unknown type).
    for directory in fixture_dirs("err_"):
        fixture = load_fixture(directory)
        ours = sorted(e.code for e in compose(fixture.sources).errors)
        theirs = sorted(e["code"] for e in fixture.apollo["errors"])
        if "INVALID_GRAPHQL" not in theirs:
            assert ours == theirs, directory.name
