"""An entity referring to an entity of the same interface (``samePriceProduct``), selected
both on the interface (returning ``Product``) and on the implementation (returning ``Book``):
the same response key comes back from one fetch under a subgraph alias and unaliased from
another (``price`` provided on one path, joined from pricing on the other). Both values must
land in the one response object; none may be overwritten with ``null``.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph

BOOKS = [
    {"__typename": "Book", "id": "1", "price": 10.99, "currency": "IDR"},
    {"__typename": "Book", "id": "2", "price": 5.99, "currency": "IDR"},
    {"__typename": "Book", "id": "3", "price": 10.99, "currency": "USD"},
]


def _catalog_book(book: dict[str, Any]) -> dict[str, Any]:
    # catalog knows price only to provide it (it is @external there)
    return {"__typename": "Book", "id": book["id"], "price": book["price"]}


def _same_price(source: dict[str, Any], _info: Any) -> Any:
    match = next(
        (b for b in BOOKS if b["price"] == source["price"] and b["id"] != source["id"]), None
    )
    return None if match is None else _catalog_book(match)


def _pricing(rep: dict[str, Any]) -> Any:
    book = next((b for b in BOOKS if b["id"] == rep["id"]), None)
    return None if book is None else dict(book)


SCENARIO = Scenario(
    name="recursive_interface",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "catalog",
            4269,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "product": lambda *_: _catalog_book(BOOKS[0]),
                    "products": lambda *_: [_catalog_book(b) for b in BOOKS],
                },
                "Book": {"samePriceProduct": _same_price},
            },
            references={
                "Book": lambda rep: next(
                    (_catalog_book(b) for b in BOOKS if b["id"] == rep["id"]), None
                )
            },
        ),
        Subgraph("pricing", 4270, "pricing.graphql", references={"Book": _pricing}),
    ],
    cases=[
        Case(
            "recursive-field-through-interface-fragment",
            "{ product { samePriceProduct { ... on Product { "
            "samePriceProduct { __typename } } } } }",
        ),
        Case(
            "same-key-on-interface-and-implementation",
            "{ product { __typename samePriceProduct { __typename ... on Book { id } "
            "samePriceProduct { __typename ... on Book { id } } } "
            "... on Book { __typename id price samePriceProduct { id price } } } }",
        ),
        Case(
            "same-key-on-interface-and-implementation-with-joined-field",
            "{ product { samePriceProduct { __typename } "
            "... on Book { price currency samePriceProduct { id price currency } } } }",
        ),
        Case(
            "aliases-on-interface-and-implementation",
            "{ product { other: samePriceProduct { ... on Book { id } } "
            "... on Book { other: samePriceProduct { price currency } price } } }",
        ),
        Case(
            "recursive-three-levels-in-a-list",
            "{ products { ... on Book { id } samePriceProduct { "
            "... on Book { id currency samePriceProduct { id price currency } } "
            "samePriceProduct { __typename } } } }",
        ),
        Case(
            "alias-and-plain-of-one-field",
            "{ product { ... on Book { id cheap: price price samePriceProduct { "
            "amount: price price currency } } } }",
        ),
    ],
)
