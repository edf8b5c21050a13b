"""Demand control (``@cost`` / ``@listSize``): the gateway estimates each operation's cost
from its query plan like Apollo Router's ``static_estimated`` strategy and, configured to
enforce a maximum of 100, refuses dearer operations before any subgraph call with
``COST_ESTIMATED_TOO_EXPENSIVE``. Estimated and actual costs in ``extensions.cost`` are
checked by ``tests/federation/test_demand_control.py`` (the comparison here ignores
extensions). Apollo Gateway has no demand control, so the answers are written by hand.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

PRODUCTS = [
    {"id": f"p{i}", "name": name, "price": 100 * i}
    for i, name in enumerate(["Keris", "Ulos", "Songket", "Batik", "Tenun", "Wayang"], start=1)
]
REVIEWS = {
    "p1": [{"body": "bagus", "stars": 5}, {"body": "mahal", "stars": 3}],
    "p2": [{"body": "halus", "stars": 4}],
}
ENFORCE = {
    "RUMAH_GATEWAY_DEMAND_CONTROL": "enforce",
    "RUMAH_GATEWAY_DEMAND_CONTROL_MAX": "100",
    "RUMAH_GATEWAY_DEMAND_CONTROL_LIST_SIZE": "10",
    "RUMAH_GATEWAY_DEMAND_CONTROL_EXTENSIONS": "true",
}


def _product(p: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Product", **p}


def _products(_s: Any, _i: Any, first: int = 5) -> list[dict[str, Any]]:
    return [_product(p) for p in PRODUCTS[:first]]


def _page(_s: Any, _i: Any, size: int) -> dict[str, Any]:
    return {"total": len(PRODUCTS), "items": [_product(p) for p in PRODUCTS[:size]]}


SCENARIO = Scenario(
    name="demand_control",
    description=__doc__ or "",
    gateway_env=ENFORCE,
    no_oracle="Apollo Gateway has no demand control (Apollo Router does)",
    subgraphs=[
        Subgraph(
            "catalog",
            4297,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "products": _products,
                    "product": lambda _s, _i, id: next(
                        (_product(p) for p in PRODUCTS if p["id"] == id), None
                    ),
                    "search": lambda _s, _i, term: [
                        _product(p) for p in PRODUCTS if term.lower() in p["name"].lower()
                    ],
                    "page": _page,
                }
            },
            references={
                "Product": lambda rep: next(
                    (_product(p) for p in PRODUCTS if p["id"] == rep["id"]), None
                )
            },
        ),
        Subgraph(
            "reviews",
            4298,
            "reviews.graphql",
            references={
                "Product": lambda rep: {
                    "__typename": "Product",
                    "id": rep["id"],
                    "reviews": REVIEWS.get(rep["id"], []),
                }
            },
        ),
    ],
    cases=[
        Case(
            "cheap-object-within-budget",  # estimated 1 + price 5 = 6
            '{ product(id: "p1") { name price } }',
            spec={"data": {"product": {"name": "Keris", "price": 100}}},
        ),
        Case(
            "argument-cost-and-assumed-list-size",  # 3 × 1 + term 20 = 23
            '{ search(term: "e") { name } }',
            spec={"data": {"search": [{"name": "Keris"}, {"name": "Songket"}, {"name": "Tenun"}]}},
        ),
        Case(
            "sized-fields-take-the-parent-slicing-argument",  # 1 + 4 × (1 + 5) = 25
            "{ page(size: 4) { total items { id price } } }",
            spec={
                "data": {
                    "page": {
                        "total": 6,
                        "items": [
                            {"id": "p1", "price": 100},
                            {"id": "p2", "price": 200},
                            {"id": "p3", "price": 300},
                            {"id": "p4", "price": 400},
                        ],
                    }
                }
            },
        ),
        Case(
            "slicing-argument-default",  # first defaults to 5: 5 × 1 = 5
            "{ products { name } }",
            spec={"data": {"products": [{"name": p["name"]} for p in PRODUCTS[:5]]}},
        ),
        Case(
            "entity-fetch-over-budget-is-refused-before-any-fetch",
            # 2 × 1 (catalog) + 10 × (1 + 10 × 2) (reviews through _entities) = 212 > 100
            "{ products(first: 2) { name reviews { body } } }",
            errors=[err(None, "exceeded configured maximum 100")],
            calls={"catalog": 0, "reviews": 0},
            spec={
                "errors": [{"message": "query estimated cost 212 exceeded configured maximum 100"}]
            },
        ),
        Case(
            "slicing-argument-from-a-variable-over-budget",  # 20 × (1 + 5) = 120
            "query($n: Int) { products(first: $n) { price } }",
            variables={"n": 20},
            errors=[err(None, "exceeded configured maximum 100")],
            calls={"catalog": 0, "reviews": 0},
            spec={
                "errors": [{"message": "query estimated cost 120 exceeded configured maximum 100"}]
            },
        ),
        Case(
            "same-operation-with-a-smaller-variable",  # 3 × 6 = 18
            "query($n: Int) { products(first: $n) { price } }",
            variables={"n": 3},
            spec={"data": {"products": [{"price": 100}, {"price": 200}, {"price": 300}]}},
        ),
    ],
)
