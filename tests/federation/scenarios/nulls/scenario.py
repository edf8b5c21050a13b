"""Null propagation (GraphQL spec, Handling Field Errors) across subgraphs: an error in a
non-null field nulls the nearest nullable ancestor — list item, list, parent object or the whole
``data`` — with one error at the failing field's client path (``_entities`` paths rewritten)."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

IDS = ["p1", "p2", "p3"]
NAMES = {"p1": "Kain", "p2": "Songket", "p3": "Tenun", "p4": "Batik"}


def _product(pid: str) -> dict[str, Any]:
    return {"__typename": "Product", "id": pid, "name": NAMES[pid]}


def _code(product: dict[str, Any], _info: Any) -> str:
    if product["id"] == "p2":
        raise ValueError("code service timeout for p2")
    return f"C-{product['id']}"


def _rating(product: dict[str, Any], _info: Any) -> int:
    if product["id"] == "p2":
        raise ValueError("rating unavailable for p2")
    return {"p1": 5, "p3": 3, "p4": 4}[product["id"]]


def _notes(product: dict[str, Any], _info: Any) -> str:
    if product["id"] == "p3":
        raise ValueError("notes unavailable for p3")
    return f"notes on {product['id']}"


def _details_ref(rep: dict[str, Any]) -> dict[str, Any]:
    if rep["id"] == "p4":
        raise ValueError("details store has no record of p4")
    badges = {"p1": ["new"], "p2": [], "p3": ["hot", None]}[rep["id"]]
    reviews = {"p1": [{"body": "Halus", "stars": 5}], "p2": [{"body": None, "stars": 1}], "p3": []}[
        rep["id"]
    ]
    return {"id": rep["id"], "badges": badges, "reviews": reviews}


def _raise(message: str) -> Any:
    def resolve(*_: Any) -> Any:
        raise ValueError(message)

    return resolve


SCENARIO = Scenario(
    name="nulls",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "products",
            4255,
            "products.graphql",
            resolvers={
                "Query": {
                    "products": lambda *_: [_product(i) for i in IDS],
                    "productList": lambda *_: [_product(i) for i in IDS],
                    "strict": lambda *_: [_product(i) for i in IDS],
                    "product": lambda _s, _i, id: _product(id) if id in NAMES else None,
                    "broken": _raise("broken resolver"),
                    "brokenStrict": _raise("strict resolver failed"),
                    "other": lambda *_: "fine",
                },
                "Product": {"code": _code},
            },
            references={"Product": lambda rep: _product(rep["id"])},
        ),
        Subgraph(
            "details",
            4256,
            "details.graphql",
            resolvers={"Product": {"rating": _rating, "notes": _notes}},
            references={"Product": _details_ref},
        ),
    ],
    cases=[
        Case(
            "non-null-entity-field-nulls-nullable-list",
            "{ products { id rating } }",
            errors=[err("products.1.rating", "rating unavailable for p2")],
        ),
        Case(
            "non-null-entity-field-nulls-nullable-item",
            "{ productList { id rating } }",
            errors=[err("productList.1.rating", "rating unavailable for p2")],
        ),
        Case(
            "non-null-chain-to-root-nulls-data",
            "{ strict { id rating } other }",
            errors=[err("strict.1.rating", "rating unavailable for p2")],
        ),
        Case(
            "nullable-entity-field-error",
            "{ products { id notes } }",
            errors=[err("products.2.notes", "notes unavailable for p3")],
        ),
        Case(
            "nullable-root-field-error-sibling-served",
            "{ broken other }",
            errors=[err("broken", "broken resolver")],
        ),
        Case(
            "non-null-root-field-error",
            "{ other brokenStrict }",
            errors=[err("brokenStrict", "strict resolver failed")],
        ),
        Case(
            "root-subgraph-non-null-error-nulls-parent",
            '{ product(id: "p2") { id code } other }',
            errors=[err("product.code", "code service timeout for p2")],
        ),
        Case(
            "errors-from-two-subgraphs",
            "{ productList { id code notes } }",
            errors=[
                err("productList.1.code", "code service timeout for p2"),
                err("productList.2.notes", "notes unavailable for p3"),
            ],
        ),
        Case(
            "subgraph-nulled-list-with-its-own-error",
            "{ products { id badges } }",
            errors=[err("products.2.badges.1", "Cannot return null for non-nullable field")],
        ),
        Case(
            "non-null-field-inside-nested-list",
            "{ productList { id reviews { body stars } } }",
            errors=[
                err("productList.1.reviews.0.body", "Cannot return null for non-nullable field")
            ],
        ),
        Case(
            "entity-reference-error-nullable-field",
            '{ product(id: "p4") { name notes } }',
            errors=[err("product", "details store has no record of p4")],
        ),
        Case(
            "entity-reference-error-non-null-field",
            '{ product(id: "p4") { name rating } other }',
            errors=[err("product", "details store has no record of p4")],
        ),
        Case(
            "no-error-when-failing-field-not-selected",
            "{ products { id name } }",
        ),
    ],
)
