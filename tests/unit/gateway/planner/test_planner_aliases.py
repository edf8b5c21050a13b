"""Subgraph aliases only where GraphQL would reject a merge ("same response shape")."""

from __future__ import annotations

from pathlib import Path

from graphql import parse, validate
from test_planner_snapshots import fetches

from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

SCENARIO = Path(__file__).resolve().parents[4] / "tests/federation/scenarios/recursive_interface"


def test_one_key_on_interface_and_implementation_is_not_aliased() -> None:
    # samePriceProduct is Product on the interface and Book on the implementation: both
    # composite, so one subgraph selection merges them (no alias to rename back later).
    sg = load_supergraph((SCENARIO / "supergraph.graphql").read_text())
    query = (
        "{ product { samePriceProduct { __typename } "
        "... on Book { id samePriceProduct { id price } } } }"
    )
    plan = build_planner(sg).plan(parse(query))
    for fetch in fetches(plan.node):
        assert "__alias" not in fetch.operation
        assert fetch.output_rewrites == ()
        assert validate(build_subgraph_schemas(sg)[fetch.service], parse(fetch.operation)) == []
