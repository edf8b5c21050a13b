"""Federation 1 subgraphs (no ``@link``; ``extend type`` with ``@external`` key fields),
composed by Apollo's composition into a v2 supergraph: key fields of an extension stay
locally resolvable, ``@requires`` still works."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

PRODUCTS = {
    "p1": {"upc": "p1", "name": "Cangkul", "weight": 2},
    "p2": {"upc": "p2", "name": "Parang", "weight": None},
}


def _estimate(product: dict[str, Any], _info: Any) -> int | None:
    return None if product.get("weight") is None else product["weight"] * 500


SCENARIO = Scenario(
    name="legacy_fed1",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "products",
            4280,
            "products.graphql",
            resolvers={
                "Query": {
                    "topProducts": lambda *_: [
                        {"__typename": "Product", **p} for p in PRODUCTS.values()
                    ]
                }
            },
            references={"Product": by_key(PRODUCTS, "upc")},
        ),
        Subgraph(
            "shipping",
            4281,
            "shipping.graphql",
            resolvers={
                "Query": {"cheapest": lambda *_: {"__typename": "Product", "upc": "p1"}},
                "Product": {"shippingEstimate": _estimate},
            },
            references={"Product": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "extension-field-with-requires",
            "{ topProducts { name shippingEstimate } }",
            calls={"products": 1, "shipping": 1},
        ),
        Case(
            "external-key-field-resolved-locally",
            "{ cheapest { upc } }",
            calls={"shipping": 1, "products": 0},
        ),
        Case(
            "from-extension-back-to-owner-and-back",
            "{ cheapest { upc name shippingEstimate } }",
        ),
    ],
)
