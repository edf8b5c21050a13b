"""A value interface implemented in several subgraphs, shareable children whose types differ
per subgraph (nullability, lists), union members per subgraph: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Ref, Scenario, World

WORLD = World(
    objects={
        "User": {
            "u1": {
                "id": "u1",
                "name": "Ani",
                "age": 30,
                "info": {"a": 1, "b": "x", "list": [1, 2]},
            },
            "u2": {"id": "u2", "name": None, "age": None, "info": {"a": 2, "b": None, "list": []}},
        },
        "Book": {"b1": {"id": "b1", "title": "Bumi", "year": 2014}},
        "Product": {"p1": {"id": "p1", "title": None}},
    },
    query={
        "node": lambda args: {"u1": Ref("User", "u1"), "b1": Ref("Book", "b1")}.get(args["id"]),
        "nodes": [Ref("User", "u2"), Ref("Book", "b1"), Ref("User", "u1")],
        "productNode": Ref("Product", "p1"),
        "anything": [Ref("Book", "b1")],
    },
)


@pytest.fixture(scope="module")
def nodes() -> Scenario:
    return Scenario("nodes", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        '{ node(id: "u1") { id ... on User { name age info { a b list } } } }',
        '{ node(id: "b1") { __typename ... on Book { title year } } }',
        "{ nodes { id ... on User { age info { b } } ... on Book { year title } } }",
        "{ nodes { ... on User { info { a list } } ... on Book { title } } }",
        "{ productNode { id ... on Product { title } ... on User { name } } }",
        "{ anything { __typename ... on Book { title year } ... on User { name } "
        "... on Product { id } } }",
        "{ nodes { ... on User { x: info { a } y: info { b } } } }",
    ],
)
def test_gateway_answers_like_the_monolith(nodes: Scenario, query: str) -> None:
    nodes.check(query)
