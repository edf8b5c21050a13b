"""Keys: several keys on one entity, a compound key, a nested-field key, a key reached only
through an intermediate subgraph (isbn → registry → id), and ``resolvable: false``."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err
from tests.federation.harness.subgraph import by_key

BOOKS = [
    {"isbn": "isbn-1", "id": "b1", "title": "Dune", "author": "a1", "shelf": "SF-01", "stock": 3},
    {"isbn": "isbn-2", "id": "b2", "title": "Emma", "author": "a2", "shelf": None, "stock": 0},
    {
        "isbn": "isbn-3",
        "id": "b3",
        "title": "Ulysses",
        "author": None,
        "shelf": "LIT-7",
        "stock": 7,
    },
]
AUTHORS = {"a1": {"id": "a1", "name": "Frank Herbert"}, "a2": {"id": "a2", "name": "Jane Austen"}}
EDITIONS = [
    {"isbn": "isbn-1", "year": 1965, "publisher": "Chilton", "printed": 2000},
    {"isbn": "isbn-1", "year": 2005, "publisher": "Ace", "printed": None},
    {"isbn": "isbn-2", "year": 1815, "publisher": "John Murray", "printed": 2000},
]
COPIES = [
    {"branch": "Sei Rampah", "shelf": 1, "condition": "good", "borrowed": False},
    {"branch": "Sei Rampah", "shelf": 2, "condition": None, "borrowed": True},
    {"branch": "Perbaungan", "shelf": 1, "condition": "worn", "borrowed": True},
]


def _catalog_book(b: dict[str, Any]) -> dict[str, Any]:
    author = None if b["author"] is None else {"__typename": "Author", "id": b["author"]}
    return {"__typename": "Book", "isbn": b["isbn"], "title": b["title"], "author": author}


def _copy(c: dict[str, Any], field: str) -> dict[str, Any]:
    return {
        "__typename": "Copy",
        "location": {"branch": c["branch"], "shelf": c["shelf"]},
        field: c[field],
    }


def _copy_ref(field: str) -> Any:
    def resolve(rep: dict[str, Any]) -> dict[str, Any] | None:
        loc = rep["location"]
        for c in COPIES:
            if (c["branch"], c["shelf"]) == (loc["branch"], loc["shelf"]):
                return _copy(c, field)
        return None

    return resolve


def _edition_ref(field: str) -> Any:
    return by_key(
        {
            (e["isbn"], e["year"]): {"isbn": e["isbn"], "year": e["year"], field: e[field]}
            for e in EDITIONS
        },
        "isbn",
        "year",
    )


def _registry_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    for b in BOOKS:
        if rep.get("isbn") == b["isbn"] or rep.get("id") == b["id"]:
            return {"isbn": b["isbn"], "id": b["id"], "shelfCode": b["shelf"]}
    return None


def _stock_book(b: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Book", "id": b["id"], "inStock": b["stock"]}


def _stock_item(_s: Any, _i: Any, id: str) -> dict[str, Any] | None:
    if id == "b99":  # stocked, but unknown to the registry: no way to reach its isbn
        return {"__typename": "Book", "id": "b99", "inStock": 1}
    return next((_stock_book(b) for b in BOOKS if b["id"] == id), None)


SCENARIO = Scenario(
    name="keys",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "catalog",
            4205,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "books": lambda *_: [_catalog_book(b) for b in BOOKS],
                    "editions": lambda *_: [
                        {
                            "__typename": "Edition",
                            **{k: e[k] for k in ("isbn", "year", "publisher")},
                        }
                        for e in EDITIONS
                    ],
                    "copies": lambda *_: [_copy(c, "condition") for c in COPIES],
                }
            },
            references={
                "Book": by_key({b["isbn"]: _catalog_book(b) for b in BOOKS}, "isbn"),
                "Edition": _edition_ref("publisher"),
                "Copy": _copy_ref("condition"),
            },
        ),
        Subgraph("registry", 4206, "registry.graphql", references={"Book": _registry_ref}),
        Subgraph(
            "stock",
            4207,
            "stock.graphql",
            resolvers={
                "Query": {
                    "lowStock": lambda *_: [_stock_book(b) for b in BOOKS if b["stock"] < 5],
                    "stockItem": _stock_item,
                }
            },
            references={
                "Book": by_key({b["id"]: _stock_book(b) for b in BOOKS}, "id"),
                "Edition": _edition_ref("printed"),
                "Copy": _copy_ref("borrowed"),
            },
        ),
        Subgraph(
            "people",
            4208,
            "people.graphql",
            resolvers={"Query": {"author": lambda _s, _i, id: AUTHORS.get(id)}},
            references={"Author": by_key(AUTHORS, "id")},
        ),
    ],
    cases=[
        Case(
            "second-key-from-owner",
            "{ books { isbn id shelfCode } }",
            calls={"catalog": 1, "registry": 1, "stock": 0, "people": 0},
        ),
        Case(
            "key-via-intermediate-subgraph",
            "{ books { title inStock } }",
            calls={"catalog": 1, "registry": 1, "stock": 1, "people": 0},
        ),
        Case(
            "key-via-intermediate-subgraph-reverse",
            "{ lowStock { id inStock title } }",
            calls={"stock": 1, "registry": 1, "catalog": 1},
        ),
        Case(
            "all-three-book-subgraphs",
            "{ lowStock { title isbn shelfCode inStock } }",
        ),
        Case(
            "intermediate-entity-missing",
            '{ stockItem(id: "b99") { id inStock title } }',
            errors=[err("stockItem.title", "Cannot return null for non-nullable field")],
            spec={
                "data": {"stockItem": None},
                "errors": [
                    {
                        "message": "Cannot return null for non-nullable field Book.title.",
                        "path": ["stockItem", "title"],
                    }
                ],
            },
            note="registry has no b99, so no isbn is known and catalog cannot be asked; the "
            "non-null Book.title is null, stockItem (nullable) becomes null with a field "
            "error (spec); Apollo Gateway nulls stockItem without an error.",
        ),
        Case(
            "nullable-field-through-missing-intermediate",
            '{ stockItem(id: "b99") { id inStock shelfCode } }',
        ),
        Case(
            "compound-key",
            "{ editions { isbn year publisher printed } }",
            calls={"catalog": 1, "stock": 1},
        ),
        Case(
            "compound-key-fields-not-selected",
            "{ editions { printed } }",
        ),
        Case(
            "nested-field-key",
            "{ copies { location { branch shelf } condition borrowed } }",
            calls={"catalog": 1, "stock": 1},
        ),
        Case(
            "nested-field-key-not-selected-by-client",
            "{ copies { borrowed } }",
        ),
        Case(
            "resolvable-false-reference-resolved-elsewhere",
            "{ books { title author { id name } } }",
            calls={"catalog": 1, "people": 1, "registry": 0, "stock": 0},
        ),
        Case(
            "resolvable-false-key-only",
            "{ books { author { id } } }",
            calls={"catalog": 1, "people": 0},
        ),
        Case("root-field-of-entity-owner", '{ author(id: "a2") { id name } }'),
        Case(
            "typename-through-three-hops",
            "{ books { __typename title inStock } }",
        ),
    ],
)
