"""Multiple, compound and nested keys; keys reached through an intermediate subgraph;
``resolvable: false`` references: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Ref, Scenario, World

WORLD = World(
    objects={
        "Book": {
            "b1": {
                "id": "b1",
                "isbn": "978-1",
                "title": "Bumi",
                "author": Ref("Author", "a1"),
                "price": 90,
                "copies": 3,
            },
            "b2": {
                "id": "b2",
                "isbn": "978-2",
                "title": "Pulang",
                "author": None,
                "price": None,
                "copies": 0,
            },
        },
        "Author": {"a1": {"id": "a1", "name": "Tere Liye"}},
        "Loan": {
            "l1": {
                "bookId": "b1",
                "memberId": "m1",
                "days": 7,
                "fee": 700,
                "member": Ref("Member", "m1"),
            },
        },
        "Member": {"m1": {"id": "m1", "org": {"id": "o1"}, "name": "Sari"}},
    },
    query={
        "books": [Ref("Book", "b1"), Ref("Book", "b2")],
        "stockBooks": [Ref("Book", "b2"), Ref("Book", "b1")],
        "loans": [Ref("Loan", "l1")],
        "members": [Ref("Member", "m1")],
    },
)


@pytest.fixture(scope="module")
def library() -> Scenario:
    return Scenario("keys", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ books { title price copies } }",
        "{ stockBooks { copies price } }",
        "{ stockBooks { title price isbn id } }",
        "{ books { author { id name } } }",
        "{ loans { days fee } }",
        "{ loans { fee member { name org { id } } } }",
        "{ members { name } }",
        "{ stockBooks { __typename price } books { __typename copies } }",
    ],
)
def test_gateway_answers_like_the_monolith(library: Scenario, query: str) -> None:
    library.check(query)


def test_key_reached_through_an_intermediate_subgraph(library: Scenario) -> None:
    out = library.check("{ stockBooks { price } }")
    assert [s for s, _ in out.calls] == ["stock", "registry", "catalog"]
