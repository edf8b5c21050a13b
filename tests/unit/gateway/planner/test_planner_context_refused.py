"""@fromContext arguments are not planned yet: a query touching such a field gets a clear
planning error instead of a fetch without its context (which would answer wrongly)."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse

from gateway.planner import build_planner
from gateway.ports import PlanningError
from gateway.supergraph import load_supergraph

SDL = (Path(__file__).parents[1] / "supergraph" / "fixtures" / "context_v05.graphql").read_text()


def test_a_field_with_context_arguments_is_refused_clearly() -> None:
    planner = build_planner(load_supergraph(SDL))
    with pytest.raises(PlanningError, match=r"U\.field takes @fromContext arguments"):
        planner.plan(parse("{ t { u { ... on U { field } } } }"))


def test_other_fields_of_the_same_supergraph_still_plan() -> None:
    planner = build_planner(load_supergraph(SDL))
    plan = planner.plan(parse("{ t { prop u { id other } } }"))
    assert plan.node is not None
