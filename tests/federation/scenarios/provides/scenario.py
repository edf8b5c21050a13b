"""``@provides``: provided fields are local only on the providing path (also nested), other
fields of the same entity still join; type conditions on a union and an interface."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

USERS = {
    "u1": {"id": "u1", "username": "ada", "name": "Ada Lovelace"},
    "u2": {"id": "u2", "username": "alan", "name": None},
}
PRODUCTS = {
    "p1": {"upc": "p1", "name": "Table", "price": 899, "owner": "u2"},
    "p2": {"upc": "p2", "name": None, "price": 50, "owner": "u1"},
}
REVIEWS = [
    {"id": "r1", "body": "Sturdy.", "author": "u1", "editor": "u2", "product": "p1"},
    {"id": "r2", "body": "Meh.", "author": "u2", "editor": None, "product": "p2"},
]
CONTENT = {
    ("Post", "c1"): {"title": "Hello", "words": 120},
    ("Event", "c2"): {"title": "Launch", "day": "2017-07-01"},
    ("Post", "c3"): {"title": "Bye", "words": 3},
    ("Book", "m1"): {"title": "Dune", "pages": 412},
    ("Movie", "m2"): {"title": "Arrival", "minutes": 116},
}


def _user(uid: str | None, provided: bool) -> dict[str, Any] | None:
    if uid is None:
        return None
    user: dict[str, Any] = {"__typename": "User", "id": uid}
    if provided:
        user["username"] = USERS[uid]["username"]
    return user


def _review(r: dict[str, Any]) -> dict[str, Any]:
    p = PRODUCTS[r["product"]]
    return {
        "__typename": "Review",
        "id": r["id"],
        "body": r["body"],
        "author": _user(r["author"], provided=True),
        "editor": _user(r["editor"], provided=False),
        "product": {
            "__typename": "Product",
            "upc": p["upc"],
            "name": p["name"],
            "owner": _user(p["owner"], provided=True),
        },
    }


def _item(typename: str, cid: str, provided: bool) -> dict[str, Any]:
    item: dict[str, Any] = {"__typename": typename, "id": cid}
    if provided:
        item["title"] = CONTENT[(typename, cid)]["title"]
    return item


def _content_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    stored = CONTENT.get((rep["__typename"], rep["id"]))
    return None if stored is None else {**rep, **stored}


def _product_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    p = PRODUCTS.get(rep["upc"])
    if p is None:
        return None
    return {**p, "owner": _user(p["owner"], provided=False)}


SCENARIO = Scenario(
    name="provides",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "reviews",
            4215,
            "reviews.graphql",
            resolvers={
                "Query": {
                    "reviews": lambda *_: [_review(r) for r in REVIEWS],
                    "feed": lambda *_: [
                        _item("Post", "c1", True),
                        _item("Event", "c2", False),
                        _item("Post", "c3", True),
                    ],
                    "featured": lambda *_: [_item("Book", "m1", False), _item("Movie", "m2", True)],
                }
            },
            references={
                "Review": lambda rep: next(
                    (_review(r) for r in REVIEWS if r["id"] == rep["id"]), None
                )
            },
        ),
        Subgraph("accounts", 4216, "accounts.graphql", references={"User": by_key(USERS, "id")}),
        Subgraph(
            "content",
            4217,
            "content.graphql",
            references={
                "Product": _product_ref,
                "User": lambda rep: rep,
                "Post": _content_ref,
                "Event": _content_ref,
                "Book": _content_ref,
                "Movie": _content_ref,
            },
        ),
    ],
    cases=[
        Case(
            "provided-field-served-by-providing-subgraph",
            "{ reviews { body author { id username } } }",
            calls={"reviews": 1, "accounts": 0, "content": 0},
        ),
        Case(
            "non-provided-field-of-provided-entity-joins",
            "{ reviews { author { username name } } }",
            calls={"reviews": 1, "accounts": 1},
        ),
        Case(
            "same-entity-type-outside-providing-path-joins",
            "{ reviews { editor { username } } }",
            calls={"reviews": 1, "accounts": 1},
        ),
        Case(
            "nested-provides-fully-local",
            "{ reviews { product { name owner { username } } } }",
            calls={"reviews": 1, "accounts": 0, "content": 0},
        ),
        Case(
            "nested-provides-deeper-field-joins",
            "{ reviews { product { owner { username name } } } }",
            calls={"reviews": 1, "accounts": 1, "content": 0},
        ),
        Case(
            "provided-entity-non-provided-field",
            "{ reviews { product { name price } } }",
            calls={"reviews": 1, "content": 1},
        ),
        Case(
            "union-provides-only-listed-member-local",
            "{ feed { __typename ... on Post { title } ... on Event { title day } } }",
            calls={"reviews": 1, "content": 1},
        ),
        Case(
            "union-provided-member-only",
            "{ feed { ... on Post { id title } } }",
            calls={"reviews": 1, "content": 0},
        ),
        Case(
            "interface-provides-listed-implementation-local",
            "{ featured { id ... on Movie { title } } }",
            calls={"reviews": 1, "content": 0},
        ),
        Case(
            "interface-field-through-provides-needs-other-implementation",
            "{ featured { id title } }",
            calls={"reviews": 1, "content": 1},
        ),
        Case(
            "interface-provides-and-extra-fields",
            "{ featured { __typename title ... on Book { pages } ... on Movie { minutes } } }",
        ),
    ],
)
