"""Subgraph failures: down (connection refused), HTTP 500, an HTML page, JSON of the wrong
shape, ``data: null`` with errors, a short ``_entities`` list, a dropped connection. The client
gets partial data: the fields that subgraph would have served are null (propagated per the
nullability rules) with an error, everything else is served."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

PRODUCTS = [{"upc": "p1", "name": "Meja"}, {"upc": "p2", "name": "Kursi"}]
REVIEWS = {"p1": [{"body": "Kokoh", "author": {"__typename": "User", "id": "u1"}}], "p2": []}


def _product_ref(rep: dict[str, Any]) -> dict[str, Any]:
    return {
        "upc": rep["upc"],
        "reviews": REVIEWS[rep["upc"]],
        "reviewCount": len(REVIEWS[rep["upc"]]),
    }


_ENTITY_FETCH = "{ topProducts { name reviews { body } } productCount }"


def _reviews_down(case_id: str, mode: str, fragment: str) -> Case:
    return Case(
        case_id,
        _ENTITY_FETCH,
        modes={"reviews": mode},
        errors=[err("*", fragment)],
    )


SCENARIO = Scenario(
    name="failures",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "products",
            4260,
            "products.graphql",
            resolvers={
                "Query": {
                    "topProducts": lambda *_: [{"__typename": "Product", **p} for p in PRODUCTS],
                    "productCount": lambda *_: len(PRODUCTS),
                }
            },
            references={
                "Product": lambda rep: next((p for p in PRODUCTS if p["upc"] == rep["upc"]), None)
            },
        ),
        Subgraph(
            "reviews",
            4261,
            "reviews.graphql",
            resolvers={"Query": {"latestReview": lambda *_: REVIEWS["p1"][0]}},
            references={"Product": _product_ref},
        ),
        Subgraph("accounts", 4262, "accounts.graphql", start=False),
    ],
    cases=[
        Case("baseline-all-up", _ENTITY_FETCH),
        Case(
            "root-subgraph-down-other-root-served",
            "{ me { name } productCount }",
            errors=[err("*", "")],
        ),
        Case(
            "entity-subgraph-down-nullable-field",
            "{ latestReview { body author { id name } } }",
            errors=[err("*", "")],
        ),
        _reviews_down("entity-subgraph-http-500", "http500", "500"),
        _reviews_down("entity-subgraph-html-body", "html", ""),
        _reviews_down("entity-subgraph-json-array", "not_json_object", ""),
        Case(
            "entity-subgraph-empty-object",
            _ENTITY_FETCH,
            modes={"reviews": "no_data"},
            errors=[err("*", "")],
            spec={
                "data": {
                    "topProducts": [
                        {"name": "Meja", "reviews": None},
                        {"name": "Kursi", "reviews": None},
                    ],
                    "productCount": 2,
                },
                "errors": [{"message": "subgraph reviews returned neither data nor errors"}],
            },
            note="a body with neither data nor errors is malformed (GraphQL over HTTP): the "
            "gateway must report it; Apollo Gateway silently treats it as no data.",
        ),
        _reviews_down("entity-subgraph-drops-connection", "drop_connection", ""),
        Case(
            "entity-subgraph-null-data-with-errors",
            _ENTITY_FETCH,
            modes={"reviews": "null_data_with_errors"},
            errors=[err("*", "subgraph exploded")],
        ),
        Case(
            "entities-list-too-short",
            _ENTITY_FETCH,
            modes={"reviews": "entities_short"},
            errors=[err("*", "")],
        ),
        Case(
            "root-subgraph-500-other-root-served",
            "{ latestReview { body } productCount }",
            modes={"reviews": "http500"},
            errors=[err("*", "500")],
        ),
        Case(
            "failed-subgraph-non-null-field-propagates",
            "{ topProducts { name reviewCount } productCount }",
            modes={"reviews": "http500"},
            errors=[err("*", "500")],
        ),
        Case(
            "first-subgraph-fails-dependent-fetch-skipped",
            "{ topProducts { name reviews { body } } }",
            modes={"products": "http500"},
            errors=[err("*", "500")],
            calls={"products": 1, "reviews": 0},
        ),
    ],
)
