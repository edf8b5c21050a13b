"""@key on an interface with an @interfaceObject elsewhere (cases of Apollo's
``buildPlan.interfaceObject`` tests): gateway answer == monolith, and no field is fetched
from the @interfaceObject graph for objects a type condition filters out."""

from __future__ import annotations

import re

import pytest
from planner_harness import Ref, Scenario, World

WORLD = World(
    objects={
        "A": {"a1": {"id": "a1", "x": 1, "z": 26, "y": 100, "t": {"relatedIs": [Ref("B", "b1")]}}},
        "B": {"b1": {"id": "b1", "x": 2, "w": 23, "y": 200, "t": None}},
    },
    query={
        "iFromS1": Ref("A", "a1"),
        "iFromS2": Ref("B", "b1"),
        "all": [Ref("A", "a1"), Ref("B", "b1")],
        "everything": [Ref("B", "b1"), Ref("A", "a1")],
    },
)


@pytest.fixture(scope="module")
def apollo() -> Scenario:
    return Scenario("ifaceobj2", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ iFromS1 { x y } }",
        "{ iFromS2 { x y } }",
        "{ iFromS2 { y } }",
        "{ iFromS2 { __typename y } }",
        "{ iFromS2 { ... on A { y } } }",
        "{ iFromS1 { ... on A { y } } }",
        "{ iFromS2 { ... on B { x w } } }",
        "{ everything { ... on A { z y } } }",
        "{ everything { id ... on A { z } ... on B { w y } } }",
        "{ iFromS1 { t { relatedIs { x } } } }",
        "{ all { y t { relatedIs { __typename y ... on B { w } } } } }",
    ],
)
def test_gateway_answers_like_the_monolith(apollo: Scenario, query: str) -> None:
    apollo.check(query)


def test_implementation_fields_are_fetched_only_for_that_implementation(
    apollo: Scenario,
) -> None:
    out = apollo.check("{ everything { ... on A { z y } } }")
    first = out.calls[0]
    assert first[0] == "s2" and "y" not in re.findall(r"\w+", first[1])
