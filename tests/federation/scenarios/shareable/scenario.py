"""``@shareable``: root fields and entity fields resolvable by two subgraphs, value types split
across subgraphs (parallel fetches deep-merged, lists by position), one shareable field with
different nullability per subgraph (the subgraph query must not merge conflicting shapes)."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

PRODUCTS = {
    "p1": {"id": "p1", "name": "Sarong", "stock": 12, "price": 75},
    "p2": {"id": "p2", "name": "Batik", "stock": 0, "price": 250},
}
ITEMS = {
    "b1": {"__typename": "Book", "id": "b1", "title": "Laskar Pelangi", "pages": 529},
    "f1": {"__typename": "Film", "id": "f1", "title": None},
    "f2": {"__typename": "Film", "id": "f2", "title": "Gie"},
}
POINTS = [(1, 10), (2, 20), (3, 30)]


def _products(*fields: str) -> Any:
    return lambda *_: [
        {"__typename": "Product", **{f: p[f] for f in ("id", "name", *fields)}}
        for p in PRODUCTS.values()
    ]


SCENARIO = Scenario(
    name="shareable",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "inventory",
            4220,
            "inventory.graphql",
            resolvers={
                "Query": {
                    "products": _products("stock"),
                    "stats": lambda *_: {"views": 1000},
                    "chart": lambda *_: [{"x": x} for x, _ in POINTS],
                    "items": lambda *_: [
                        {k: v for k, v in i.items() if k != "pages"} for i in ITEMS.values()
                    ],
                }
            },
            references={
                "Product": by_key(PRODUCTS, "id"),
                "Book": by_key(ITEMS, "id"),
                "Film": by_key(ITEMS, "id"),
            },
        ),
        Subgraph(
            "catalog",
            4221,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "products": _products("price"),
                    "stats": lambda *_: {"likes": 42},
                    "chart": lambda *_: [{"y": y} for _, y in POINTS],
                }
            },
            references={"Product": by_key(PRODUCTS, "id"), "Book": by_key(ITEMS, "id")},
        ),
    ],
    cases=[
        Case("shareable-root-and-field-one-fetch", "{ products { id name } }"),
        Case(
            "shareable-root-plus-fields-from-each-subgraph",
            "{ products { name stock price } }",
            calls={"inventory": 1, "catalog": 1},
        ),
        Case(
            "value-type-split-across-subgraphs",
            "{ stats { views likes } }",
            calls={"inventory": 1, "catalog": 1},
        ),
        Case("value-type-one-side", "{ stats { likes } }", calls={"inventory": 0, "catalog": 1}),
        Case(
            "value-type-list-merged-by-position",
            "{ chart { x y } }",
            calls={"inventory": 1, "catalog": 1},
        ),
        Case(
            "value-type-list-with-typename",
            "{ chart { __typename y x } }",
        ),
        Case(
            "different-nullability-in-one-subgraph-query",
            "{ items { id ... on Book { title } ... on Film { title } } }",
            calls={"inventory": 1, "catalog": 0},
        ),
        Case(
            "different-nullability-with-joined-field",
            "{ items { __typename ... on Book { title pages } ... on Film { title } } }",
        ),
        Case(
            "different-nullability-aliased-by-client",
            "{ items { ... on Book { name: title } ... on Film { name: title } } }",
        ),
        Case(
            "shareable-entity-field-after-join",
            "{ items { ... on Book { pages title } } }",
        ),
    ],
)
