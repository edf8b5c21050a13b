"""Entities, @requires, @provides and shareable value types: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Ref, Scenario, World


def _shipping(obj, _args):
    if obj.get("price") is None or obj.get("weight") is None:
        return None
    return obj["price"] // 10 + obj["weight"]


WORLD = World(
    objects={
        "Product": {
            "p1": {
                "upc": "p1",
                "name": "Kopi",
                "price": 100,
                "weight": 2,
                "inStock": True,
                "shippingEstimate": Computed(_shipping),
                "category": {"name": "Food", "slug": "food"},
                "reviews": [Ref("Review", "r1"), Ref("Review", "r2")],
            },
            "p2": {
                "upc": "p2",
                "name": "Ulos",
                "price": None,
                "weight": 1,
                "inStock": False,
                "shippingEstimate": Computed(_shipping),
                "category": None,
                "reviews": [],
            },
        },
        "Review": {
            "r1": {
                "id": "r1",
                "body": "Enak",
                "author": Ref("User", "u1"),
                "product": Ref("Product", "p1"),
            },
            "r2": {
                "id": "r2",
                "body": "Mahal",
                "author": Ref("User", "u2"),
                "product": Ref("Product", "p1"),
            },
        },
        "User": {
            "u1": {
                "id": "u1",
                "name": "Budi",
                "username": "budi",
                "birthYear": 1990,
                "reviews": [Ref("Review", "r1")],
            },
            "u2": {
                "id": "u2",
                "name": None,
                "username": "sri",
                "birthYear": None,
                "reviews": [Ref("Review", "r2")],
            },
        },
    },
    query={
        "topProducts": lambda args: [Ref("Product", "p1"), Ref("Product", "p2")][: args["first"]],
        "product": lambda args: (
            Ref("Product", args["upc"]) if args["upc"] in ("p1", "p2") else None
        ),
        "latestReviews": [Ref("Review", "r2"), Ref("Review", "r1")],
        "me": Ref("User", "u1"),
        "users": [Ref("User", "u1"), Ref("User", "u2")],
    },
)


@pytest.fixture(scope="module")
def shop() -> Scenario:
    return Scenario("shop", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ topProducts { upc name } }",
        "{ topProducts(first: 1) { name reviews { body author { name username } } } }",
        "{ topProducts { name inStock shippingEstimate } }",
        "{ topProducts { shippingEstimate } }",
        "{ latestReviews { body author { username } } }",
        "{ latestReviews { author { username name birthYear reviews { id } } } }",
        "{ me { name reviews { product { name reviews { author { id } } } } } }",
        '{ product(upc: "p2") { name category { name } shippingEstimate } }',
        '{ product(upc: "nope") { name inStock } }',
        "{ users { __typename id name username } topProducts { __typename upc } }",
        "{ a: topProducts(first: 1) { x: name } b: topProducts { y: upc z: inStock } }",
    ],
)
def test_gateway_answers_like_the_monolith(shop: Scenario, query: str) -> None:
    shop.check(query)


def test_requires_fields_reach_the_requiring_subgraph_without_being_selected(
    shop: Scenario,
) -> None:
    out = shop.check("{ topProducts { shippingEstimate } }")
    inventory = [q for s, q in out.calls if s == "inventory"]
    assert len(inventory) == 1 and "shippingEstimate" in inventory[0]


def test_provided_field_is_served_by_the_providing_subgraph(shop: Scenario) -> None:
    out = shop.check("{ latestReviews { author { username } } }")
    assert [s for s, _ in out.calls] == ["reviews"]


@pytest.mark.parametrize(
    "query",
    [
        "{ topProducts { upc: name inStock } }",
        "{ topProducts { upc: name price: weight shippingEstimate } }",
        "{ latestReviews { id: body author { id: name username } } }",
        "{ topProducts { upc name } other: topProducts { upc: name reviews { id: body } } }",
    ],
)
def test_client_aliases_reusing_key_names(shop: Scenario, query: str) -> None:
    shop.check(query)
