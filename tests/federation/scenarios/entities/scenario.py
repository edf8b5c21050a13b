"""Root fields split across subgraphs; entity joins (batched ``_entities``) both ways."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err
from tests.federation.harness.subgraph import by_key

USERS = {
    "u1": {"id": "u1", "name": "Ada Lovelace", "username": "ada"},
    "u2": {"id": "u2", "name": "Alan Turing", "username": "alan"},
    "u3": {"id": "u3", "name": None, "username": "anon"},
}
PRODUCTS = {
    "p1": {"upc": "p1", "name": "Table", "price": 899},
    "p2": {"upc": "p2", "name": "Couch", "price": 1299},
    "p3": {"upc": "p3", "name": "Chair", "price": 54},
    "p4": {"upc": "p4", "name": "Lamp", "price": None},
}
REVIEWS = {
    "r1": {"id": "r1", "body": "Love it!", "rating": 5, "author": "u1", "product": "p1"},
    "r2": {"id": "r2", "body": "Too expensive.", "rating": 2, "author": "u1", "product": "p2"},
    "r3": {"id": "r3", "body": "Could be better.", "rating": 3, "author": "u2", "product": "p3"},
    "r4": {
        "id": "r4",
        "body": "Prefer something else.",
        "rating": None,
        "author": "u2",
        "product": "p1",
    },
    # the author was deleted from accounts: the join finds no entity
    "r5": {"id": "r5", "body": "Ghost review.", "rating": 4, "author": "u9", "product": "p3"},
}


def _review(review_id: str) -> dict[str, Any]:
    r = REVIEWS[review_id]
    return {
        "__typename": "Review",
        "id": r["id"],
        "body": r["body"],
        "rating": r["rating"],
        "author": {"__typename": "User", "id": r["author"]},
        "product": {"__typename": "Product", "upc": r["product"]},
    }


def _reviews_where(field: str, value: str) -> list[dict[str, Any]]:
    return [_review(i) for i, r in REVIEWS.items() if r[field] == value]


def _average(product: dict[str, Any], _info: Any) -> float | None:
    ratings = [r["rating"] for r in _reviews_where("product", product["upc"])]
    known = [r for r in ratings if r is not None]
    return sum(known) / len(known) if known else None


SCENARIO = Scenario(
    name="entities",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "accounts",
            4201,
            "accounts.graphql",
            resolvers={
                "Query": {
                    "me": lambda *_: USERS["u1"],
                    "users": lambda *_: list(USERS.values()),
                }
            },
            references={"User": by_key(USERS, "id")},
        ),
        Subgraph(
            "products",
            4202,
            "products.graphql",
            resolvers={
                "Query": {
                    "topProducts": lambda _s, _i, first: list(PRODUCTS.values())[:first],
                    "product": lambda _s, _i, upc: PRODUCTS.get(upc),
                }
            },
            references={"Product": by_key(PRODUCTS, "upc")},
        ),
        Subgraph(
            "reviews",
            4203,
            "reviews.graphql",
            resolvers={
                "Query": {
                    "review": lambda _s, _i, id: _review(id) if id in REVIEWS else None,
                    "latestReviews": lambda *_: [_review(i) for i in reversed(REVIEWS)],
                },
                # the stubs that Review.author/product return resolve these locally too
                "User": {
                    "reviews": lambda user, _i: _reviews_where("author", user["id"]),
                    "reviewCount": lambda user, _i: len(_reviews_where("author", user["id"])),
                },
                "Product": {
                    "reviews": lambda product, _i: _reviews_where("product", product["upc"]),
                    "averageRating": _average,
                },
            },
            references={
                "Review": lambda rep: _review(rep["id"]) if rep["id"] in REVIEWS else None,
                "User": lambda rep: {"id": rep["id"]},
                "Product": lambda rep: {"upc": rep["upc"]},
            },
        ),
    ],
    cases=[
        Case(
            "single-subgraph-root-field",
            "{ topProducts { upc name price } }",
            calls={"products": 1, "reviews": 0, "accounts": 0},
        ),
        Case("root-field-argument-default-overridden", "{ topProducts(first: 2) { name } }"),
        Case(
            "root-fields-from-two-subgraphs",
            "{ me { username } topProducts(first: 1) { name } }",
            calls={"accounts": 1, "products": 1, "reviews": 0},
        ),
        Case(
            "root-fields-from-three-subgraphs-in-query-order",
            '{ latestReviews { id } me { name } product(upc: "p2") { name } }',
        ),
        Case(
            "entity-join-list-batched",
            "{ topProducts { name reviews { body } } }",
            calls={"products": 1, "reviews": 1},
        ),
        Case(
            "entity-join-two-hops",
            "{ topProducts(first: 3) { upc reviews { body author { name } } } }",
            calls={"products": 1, "reviews": 1, "accounts": 1},
        ),
        Case(
            "entity-join-from-root-object",
            "{ me { name reviews { body product { name price } } } }",
            calls={"accounts": 1, "reviews": 1, "products": 1},
        ),
        Case(
            "reference-back-to-origin-subgraph",
            "{ me { id reviews { product { upc reviews { id } } } } }",
        ),
        Case(
            "entity-not-found-is-null",
            '{ review(id: "r5") { body author { id name username } } }',
            errors=[err("review.author.username", "Cannot return null for non-nullable field")],
            spec={
                "data": {"review": {"body": "Ghost review.", "author": None}},
                "errors": [
                    {
                        "message": "Cannot return null for non-nullable field User.username.",
                        "path": ["review", "author", "username"],
                    }
                ],
            },
            note="accounts resolves u9 to null, so the non-null User.username is null and "
            "author (nullable) becomes null. The spec (Handling Field Errors) requires a field "
            "error for that null; Apollo Gateway nulls author silently.",
        ),
        Case(
            "nullable-root-field-null",
            '{ product(upc: "nope") { name reviews { body } } }',
            calls={"products": 1, "reviews": 0},
        ),
        Case(
            "key-field-only-no-join-needed",
            '{ review(id: "r1") { author { id } product { upc } } }',
            calls={"reviews": 1, "accounts": 0, "products": 0},
        ),
        Case(
            "typename-on-entities-from-each-subgraph",
            "{ __typename topProducts(first: 2) { __typename reviews { __typename author "
            "{ __typename name } } } }",
        ),
        Case(
            "duplicate-entities-deduplicated-consistently",
            "{ latestReviews { author { name reviewCount } } }",
        ),
        Case(
            "computed-entity-fields",
            "{ topProducts { name averageRating } }",
        ),
        Case(
            "aliases-on-joined-fields",
            '{ first: product(upc: "p1") { title: name score: averageRating } '
            'second: product(upc: "p3") { title: name score: averageRating } }',
        ),
        Case(
            "same-field-different-arguments-aliased",
            "{ a: topProducts(first: 1) { name } b: topProducts(first: 3) { upc } }",
        ),
        Case(
            "users-list-with-null-name",
            "{ users { username name reviews { rating } } }",
        ),
    ],
)
