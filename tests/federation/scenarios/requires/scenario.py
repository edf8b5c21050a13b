"""``@requires``: simple, nested selections, arguments (two different argument sets),
inline fragments on an interface, chained across three subgraphs, under ``@include``."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

RATES = {"IDR": 1, "EUR": 17000, "USD": 15000}
PRODUCTS = {
    "p1": {
        "upc": "p1",
        "name": "Rice cooker",
        "weight": 3,
        "idr": 510000,
        "dimensions": {"width": 2, "height": 3, "depth": 4},
        "seller": {"__typename": "Company", "id": "s1", "name": "PT Maju", "taxId": "01.234"},
    },
    "p2": {
        "upc": "p2",
        "name": "Kettle",
        "weight": None,
        "idr": 150000,
        "dimensions": None,
        "seller": {"__typename": "Person", "id": "s2", "name": "Budi", "nik": "1218"},
    },
    "p3": {
        "upc": "p3",
        "name": "Fan",
        "weight": 10,
        "idr": None,
        "dimensions": {"width": 1, "height": 1, "depth": 1},
        "seller": None,
    },
}


def _price(product: dict[str, Any], _info: Any, currency: str) -> int | None:
    idr = PRODUCTS[product["upc"]]["idr"]
    return None if idr is None else idr // RATES[currency]


def _product(p: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Product", **{k: v for k, v in p.items() if k != "idr"}}


def _shipping(product: dict[str, Any], _info: Any) -> int | None:
    return None if product["weight"] is None else product["weight"] * 1000


def _volume(product: dict[str, Any], _info: Any) -> int | None:
    d = product["dimensions"]
    return None if d is None else d["width"] * d["height"] * d["depth"]


def _label(currency: str) -> Any:
    def resolve(product: dict[str, Any], _info: Any) -> str:
        price = product["price"]
        return f"{currency} {'?' if price is None else price}"

    return resolve


def _tax_label(product: dict[str, Any], _info: Any) -> str | None:
    seller = product["seller"]
    if seller is None:
        return None
    if seller["__typename"] == "Company":
        return f"NPWP {seller['taxId']}"
    return f"NIK {seller['nik']}"


def _insured(product: dict[str, Any], _info: Any) -> int | None:
    if product["shippingEstimate"] is None or product["weight"] is None:
        return None
    return product["shippingEstimate"] + 100 * product["weight"]


_TWO_ARGS = (
    "each @requires must see price with its own literal arguments (EUR 510000//17000 = 30, "
    "USD = 34); Apollo Gateway fetches price once without aliases and hands every requiring "
    "field the same value."
)

SCENARIO = Scenario(
    name="requires",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "products",
            4210,
            "products.graphql",
            resolvers={
                "Query": {
                    "topProducts": lambda *_: [_product(p) for p in PRODUCTS.values()],
                    "product": lambda _s, _i, upc: (
                        _product(PRODUCTS[upc]) if upc in PRODUCTS else None
                    ),
                },
                "Product": {"price": _price},
            },
            references={"Product": by_key({k: _product(p) for k, p in PRODUCTS.items()}, "upc")},
        ),
        Subgraph(
            "shipping",
            4211,
            "shipping.graphql",
            resolvers={
                "Product": {
                    "shippingEstimate": _shipping,
                    "volume": _volume,
                    "eurLabel": _label("EUR"),
                    "usdLabel": _label("USD"),
                    "taxLabel": _tax_label,
                }
            },
            references={"Product": lambda rep: rep},
        ),
        Subgraph(
            "insurance",
            4212,
            "insurance.graphql",
            resolvers={"Product": {"insuredShipping": _insured}},
            references={"Product": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "simple",
            "{ topProducts { name shippingEstimate } }",
            calls={"products": 1, "shipping": 1, "insurance": 0},
        ),
        Case(
            "required-field-also-selected",
            "{ topProducts { weight shippingEstimate } }",
        ),
        Case(
            "required-field-not-selected-is-not-returned",
            '{ product(upc: "p1") { shippingEstimate } }',
        ),
        Case("nested-selection", "{ topProducts { upc volume } }"),
        Case(
            "nested-selection-with-partial-client-selection",
            "{ topProducts { dimensions { width } volume } }",
        ),
        Case("argument", "{ topProducts { eurLabel } }"),
        Case(
            "two-argument-sets-of-one-field",
            "{ topProducts { upc eurLabel usdLabel } }",
            spec={
                "data": {
                    "topProducts": [
                        {"upc": "p1", "eurLabel": "EUR 30", "usdLabel": "USD 34"},
                        {"upc": "p2", "eurLabel": "EUR 8", "usdLabel": "USD 10"},
                        {"upc": "p3", "eurLabel": "EUR ?", "usdLabel": "USD ?"},
                    ]
                }
            },
            note=_TWO_ARGS,
        ),
        Case(
            "two-argument-sets-and-client-argument",
            '{ product(upc: "p1") { price eurLabel usdLabel idr: price(currency: "IDR") '
            'usd: price(currency: "USD") } }',
            spec={
                "data": {
                    "product": {
                        "price": 510000,
                        "eurLabel": "EUR 30",
                        "usdLabel": "USD 34",
                        "idr": 510000,
                        "usd": 34,
                    }
                }
            },
            note=_TWO_ARGS,
        ),
        Case(
            "fragments-on-interface",
            "{ topProducts { upc taxLabel } }",
        ),
        Case(
            "fragments-on-interface-with-client-fragment",
            "{ topProducts { seller { ... on Person { nik } } taxLabel } }",
        ),
        Case(
            "chained-across-three-subgraphs",
            "{ topProducts { upc insuredShipping } }",
            calls={"products": 1, "shipping": 1, "insurance": 1},
        ),
        Case(
            "chained-and-direct-together",
            "{ topProducts { shippingEstimate insuredShipping volume name } }",
        ),
        Case(
            "include-false-skips-requires-fetch",
            "query($withShipping: Boolean!) { topProducts { name "
            "shippingEstimate @include(if: $withShipping) } }",
            variables={"withShipping": False},
            calls={"products": 1, "shipping": 0},
        ),
        Case(
            "include-true-runs-requires-fetch",
            "query($withShipping: Boolean!) { topProducts { name "
            "shippingEstimate @include(if: $withShipping) } }",
            variables={"withShipping": True},
            calls={"products": 1, "shipping": 1},
        ),
        Case(
            "skip-true-on-chained-field",
            "query($skip: Boolean = true) { topProducts { upc insuredShipping @skip(if: $skip) } }",
            calls={"products": 1, "shipping": 0, "insurance": 0},
        ),
    ],
)
