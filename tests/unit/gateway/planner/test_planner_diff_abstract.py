"""Interfaces and unions whose members live in different subgraphs: gateway == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Ref, Scenario, World

WORLD = World(
    objects={
        "Dog": {"d1": {"id": "d1", "name": "Rex", "sound": "woof", "barkVolume": 9}},
        "Cat": {
            "c1": {"id": "c1", "name": "Tom", "sound": "meow", "lives": 9, "owner": "Ani"},
            "c2": {"id": "c2", "name": None, "sound": None, "lives": 3, "owner": None},
        },
        "Bird": {"b1": {"id": "b1", "name": "Tweety", "sound": "tweet", "wingspan": 0.3}},
        "Post": {"x1": {"id": "x1", "title": "Hello", "likes": 5}},
    },
    query={
        "animals": [Ref("Dog", "d1"), Ref("Cat", "c1"), Ref("Cat", "c2")],
        "feed": [Ref("Post", "x1"), Ref("Cat", "c1"), Ref("Dog", "d1")],
        "node": lambda args: {"d1": Ref("Dog", "d1"), "c1": Ref("Cat", "c1")}.get(args["id"]),
        "pets": [Ref("Cat", "c2"), None, Ref("Dog", "d1")],
        "search": [Ref("Bird", "b1"), Ref("Cat", "c1"), Ref("Post", "x1")],
        "birds": [Ref("Bird", "b1")],
    },
)


@pytest.fixture(scope="module", params=["supergraph.graphql", "supergraph_v02.graphql"])
def zoo(request: pytest.FixtureRequest) -> Scenario:
    # the same federation as join v0.3 (Apollo's output) and as join v0.2 (no union members
    # per graph: every member the graph knows counts)
    return Scenario("abstract", WORLD, supergraph=request.param)


@pytest.mark.parametrize(
    "query",
    [
        "{ animals { id name } }",
        "{ animals { __typename name sound } }",
        "{ animals { sound ... on Cat { owner lives } ... on Dog { barkVolume } } }",
        "{ feed { __typename ... on Post { title likes } ... on Cat { sound owner } } }",
        "{ feed { ... on Animal { name } } }",
        "{ search { __typename ... on Animal { name sound } ... on Cat { lives } } }",
        "{ search { ... on Cat { name } ... on Bird { wingspan } } }",
        "{ search { ... on Post { id } } }",
        '{ node(id: "c1") { id ... on Cat { owner sound } ... on Animal { name } } }',
        '{ node(id: "zz") { id } }',
        "{ pets { name ... on Cat { owner } } }",
        "{ birds { name sound ... on Cat { owner } } }",
        "{ animals { ...A } } fragment A on Animal { name ... on Cat { owner } }",
        "{ feed { ... on FeedItem { __typename } } }",
    ],
)
def test_gateway_answers_like_the_monolith(zoo: Scenario, query: str) -> None:
    zoo.check(query)


def test_external_interface_field_is_fetched_from_its_owner(zoo: Scenario) -> None:
    out = zoo.check("{ animals { sound } }")
    assert [s for s, _ in out.calls] == ["a", "b"]
