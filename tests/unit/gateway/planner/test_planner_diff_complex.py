"""@override onto a field with @requires, requirements that need their own entity join,
non-resolvable @interfaceObject references: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Ref, Scenario, World


def _tax(rep, _args):
    return None if rep.get("price") is None else rep["price"] // 10


def _blurb(rep, _args):
    author = rep.get("author")
    return None if author is None else f"by {author['name']}"


WORLD = World(
    objects={
        "Product": {
            "p1": {
                "id": "p1",
                "category": {"id": "c1"},
                "price": 500,
                "tax": Computed(_tax),
                "author": Ref("Author", "a1"),
                "blurb": Computed(_blurb),
            },
            "p2": {
                "id": "p2",
                "category": {"id": "c2"},
                "price": None,
                "tax": Computed(_tax),
                "author": None,
                "blurb": Computed(_blurb),
            },
        },
        "Author": {"a1": {"id": "a1", "name": "Andrea"}},
        "Song": {"s1": {"id": "s1", "title": "Lagu", "seconds": 200}},
    },
    query={
        "products": [Ref("Product", "p1"), Ref("Product", "p2")],
        "featured": Ref("Song", "s1"),
    },
)


@pytest.fixture(scope="module")
def complex_() -> Scenario:
    return Scenario("complex", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ products { id tax } }",
        "{ products { tax price category { id } } }",
        "{ products { blurb } }",
        "{ products { blurb author { name } tax } }",
        "{ featured { id title } }",
        "{ featured { __typename ... on Song { seconds } } }",
    ],
)
def test_gateway_answers_like_the_monolith(complex_: Scenario, query: str) -> None:
    complex_.check(query)
