"""Rumah's own supergraph: composed from the services' SDLs, committed, and usable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from graphql import parse, validate

from gateway.explain import plan_to_text
from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from rumah.schemas import SUPERGRAPH, current_sdls, current_supergraph, supergraph_is_stale

AUDITOR_QUERY = """
query Audit($since: String) {
  history(filter: {service: "licensing"}, after: $since, first: 20) {
    edges { node {
      seq hash
      subject { ... on PermitApplication { applicant status verifier { name holder { name } } } }
    } }
  }
}
"""


def test_committed_supergraph_is_the_composition_of_the_committed_subgraphs() -> None:
    assert SUPERGRAPH.read_text(encoding="utf-8") == current_supergraph(), (
        "schemas/supergraph.graphql is stale: run `rumah schemas export` and commit it"
    )


def test_every_catalogued_subgraph_is_routed() -> None:
    supergraph = load_supergraph(SUPERGRAPH.read_text(encoding="utf-8"))
    routed = {info.name: info.url for info in supergraph.subgraphs.values()}
    assert set(routed) == set(current_sdls())
    assert all(url.startswith("http://127.0.0.1:40") for url in routed.values())


def test_the_auditor_query_crosses_ledger_licensing_and_personnel() -> None:
    supergraph = load_supergraph(SUPERGRAPH.read_text(encoding="utf-8"))
    document = parse(AUDITOR_QUERY)
    assert validate(supergraph.api_schema, document) == []
    text = plan_to_text(build_planner(supergraph).plan(document))
    for graph in ("ledger", "licensing", "personnel"):
        assert f'Fetch(service: "{graph}")' in text, text


def test_a_stale_or_missing_supergraph_is_detected(tmp_path: Path) -> None:
    copy = tmp_path / "supergraph.graphql"
    assert supergraph_is_stale(copy)
    copy.write_bytes(SUPERGRAPH.read_bytes())
    assert not supergraph_is_stale(copy)
    copy.write_bytes(SUPERGRAPH.read_bytes() + b"# edited by hand\n")
    assert supergraph_is_stale(copy)


def test_schemas_check_passes_on_the_committed_contracts() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "rumah.cli", "schemas", "check"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (result.returncode, result.stderr) == (0, "")
