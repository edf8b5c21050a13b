"""Topologies of Apollo's ``buildPlan.test.ts`` @requires cases (multiple requires with
conflicting local types, keys on nested fields, chains not ending where they start, a
complex chain, a diamond): gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Ref, Scenario, World


def _g(rep, _a):
    return None if rep.get("f") is None else rep["f"] * 10


def _computed(rep, _a):
    return f"{rep['user']['value']}+{rep.get('value')}"


def _computed2(rep, _a):
    return f"{rep['user']['value']}!"


def _user_computed(rep, _a):
    return f"u:{rep.get('value')}"


def _outer(rep, _a):
    return (
        rep["inner1"]
        + rep["inner2"]
        + rep["inner3"]["inner3_nested"]
        + rep["inner4"]["inner4_nested"]
        + rep["inner5"]
    )


WORLD = World(
    objects={
        "T1": {"a": {"id": "a", "f": 1, "g": 2}},
        "T2": {"b": {"id": "b", "f": 3, "g": Computed(_g)}},
        "T3": {"c": {"id": "c", "f": None, "g": Computed(_g)}},
        "Item": {
            "i1": {
                "id": "i1",
                "value": "iv1",
                "user": Ref("User", "u1"),
                "computed": Computed(_computed),
                "computed2": Computed(_computed2),
            },
            "i2": {
                "id": "i2",
                "value": None,
                "user": Ref("User", "u2"),
                "computed": Computed(_computed),
                "computed2": Computed(_computed2),
            },
        },
        "User": {
            "u1": {"id": "u1", "value": "uv1", "computed": Computed(_user_computed)},
            "u2": {"id": "u2", "value": "uv2", "computed": Computed(_user_computed)},
        },
        "T": {
            "t1": {
                "id": "t1",
                "inner1": 1,
                "inner2_required": 20,
                "inner2": Computed(lambda rep, _a: rep["inner2_required"] * 2),
                "inner3": Ref("Inner3Type", "k3"),
                "inner4": Ref("Inner4Type", "k4"),
                "inner5": 5,
                "v": 7,
                "chained": Computed(lambda rep, _a: rep["v"] + 1),
                "outerChain": Computed(lambda rep, _a: rep["chained"] * 3),
                "outer": Computed(_outer),
            },
        },
        "Inner3Type": {"k3": {"k3": "k3", "inner3_nested": 300}},
        "Inner4Type": {
            "k4": {
                "k4": "k4",
                "inner4_required": 4,
                "inner4_nested": Computed(lambda rep, _a: rep["inner4_required"] * 100),
            }
        },
        "D": {
            "d1": {
                "id1": "d1",
                "id2": "d2",
                "v1": 1,
                "v2": 2,
                "v3": 3,
                "v4": Computed(lambda rep, _a: rep["v3"] * 11),
            }
        },
    },
    query={
        "is": [Ref("T1", "a"), Ref("T2", "b"), Ref("T3", "c")],
        "list": [Ref("Item", "i1"), Ref("Item", "i2")],
        "t": Ref("T", "t1"),
        "d": Ref("D", "d1"),
    },
)


@pytest.fixture(scope="module")
def apollo() -> Scenario:
    return Scenario("apollo_req", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ is { g } }",
        "{ is { f g } }",
        "{ list { computed computed2 user { computed } } }",
        "{ list { value user { value computed } computed2 } }",
        "{ t { outerChain } }",
        "{ t { v chained outerChain } }",
        "{ t { outer } }",
        "{ t { outer inner2 inner4 { inner4_nested } } }",
        "{ d { v1 v2 v3 v4 } }",
        "{ d { v4 } }",
    ],
)
def test_gateway_answers_like_the_monolith(apollo: Scenario, query: str) -> None:
    apollo.check(query)


def test_diamond_dependencies_wait_for_both_branches(apollo: Scenario) -> None:
    out = apollo.check("{ d { v1 v2 v3 v4 } }")
    services = [s for s, _ in out.calls]
    assert services[0] == "da" and services[-1] == "dd" and sorted(services[1:3]) == ["db", "dc"]
