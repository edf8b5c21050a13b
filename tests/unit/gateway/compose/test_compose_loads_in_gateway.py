"""The gateway's own supergraph loader accepts every supergraph we compose."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.compose import compose
from gateway.supergraph import load_supergraph
from tests.unit.gateway.compose.conftest import fixture_dirs, load_fixture


@pytest.mark.parametrize("directory", fixture_dirs("ok_"), ids=lambda p: p.name)
def test_load_supergraph_reads_our_output(directory: Path) -> None:
    fixture = load_fixture(directory)
    sdl = compose(fixture.sources).supergraph_sdl
    assert sdl is not None
    supergraph = load_supergraph(sdl)
    assert set(supergraph.subgraphs) == {s.name for s in fixture.sources}
    assert {i.url for i in supergraph.subgraphs.values()} == {s.url for s in fixture.sources}
    assert supergraph.api_schema.query_type is not None
    assert "join__Graph" not in supergraph.api_schema.type_map
