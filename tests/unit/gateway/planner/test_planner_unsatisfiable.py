"""Operations without a complete path fail at planning (never a partial plan)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse
from test_planner_snapshots import fetches

from gateway.planner import build_planner
from gateway.ports import PlanningError
from gateway.supergraph import Supergraph, load_supergraph

SCENARIOS = Path(__file__).resolve().parents[4] / "tests/federation/scenarios"


def _load(name: str) -> Supergraph:
    return load_supergraph((SCENARIOS / name / "supergraph.graphql").read_text())


@pytest.fixture(scope="module")
def sg() -> Supergraph:
    return _load("unsatisfiable")


@pytest.mark.parametrize(
    "query",
    [
        '{ node(id: "a1") { id } }',
        # the interface field is one selection: Account's part from accounts and Chat's part
        # from chats would be two different answers to one shareable field
        '{ n: node(id: "a1") { id ... on Chat { id } } m: node(id: "c1") { __typename } }',
        # Entry has no implementation in registry; note only behind a non-resolvable key
        "{ entry { note } }",
    ],
)
def test_no_complete_path_is_a_planning_error(sg: Supergraph, query: str) -> None:
    with pytest.raises(PlanningError, match="Cannot plan the operation"):
        build_planner(sg).plan(parse(query))


def test_explicit_per_type_fragments_may_come_from_different_subgraphs(sg: Supergraph) -> None:
    plan = build_planner(sg).plan(
        parse(
            '{ a: node(id: "a1") { ... on Account { id } } c: node(id: "c1") { ... on Chat '
            "{ id } } }"
        )
    )
    assert sorted(f.service for f in fetches(plan.node)) == ["accounts", "chats"]


def test_field_behind_a_non_resolvable_key_is_a_planning_error() -> None:
    planner = build_planner(_load("unsatisfiable_keys"))
    with pytest.raises(PlanningError, match=r"Cannot plan the operation: .*orders\{.*eta"):
        planner.plan(parse("{ carriers { name } orders { total eta } }"))
    assert planner.plan(parse("{ orders { total } }")).node is not None
