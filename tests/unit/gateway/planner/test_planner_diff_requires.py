"""@requires: chains across subgraphs, arguments, nested selections, fragments on an
interface, under @skip/@include: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Fn, Ref, Scenario, World

RATE = {"IDR": 1, "USD": 16000}


def _price(obj, args):
    idr = obj["idr"]
    return None if idr is None else idr // RATE[args.get("currency", "IDR")]


def _tax(rep, _args):
    return None if rep.get("price") is None else rep["price"] // 10


def _usd_tax(rep, _args):
    return None if rep.get("price") is None else rep["price"] * 11 // 100


def _usd_tax_mono(obj, _args):
    usd = _price(obj, {"currency": "USD"})
    return None if usd is None else usd * 11 // 100


def _seller_label(rep, _args):
    s = rep.get("seller")
    if s is None:
        return None
    extra = s.get("city") if s["__typename"] == "Shop" else s.get("nik")
    return f"{s['__typename']}:{s['name']}:{extra}"


def _area(rep, _args):
    d = rep.get("dims")
    return None if d is None or d["w"] is None else d["w"] * d["h"]


def _total(rep, _args):
    return None if rep.get("tax") is None else rep["tax"] * 2


def _summary(rep, _args):
    return f"{rep['name']}/{rep['tax']}"


def _product(pid, name, idr, dims, seller):
    return {
        "id": pid,
        "name": name,
        "idr": idr,
        "price": Fn(_price),
        "dims": dims,
        "seller": seller,
        "tax": Computed(_tax),
        "usdTax": Computed(_usd_tax, _usd_tax_mono),
        "sellerLabel": Computed(_seller_label),
        "area": Computed(_area),
        "total": Computed(_total),
        "summary": Computed(_summary),
        "ownField": f"own-{pid}",
    }


WORLD = World(
    objects={
        "Product": {
            "p1": _product(
                "p1",
                "Kopi",
                160000,
                {"w": 2, "h": 3},
                {"__typename": "Shop", "id": "s1", "name": "Toko", "city": "Medan"},
            ),
            "p2": _product(
                "p2",
                "Teh",
                None,
                None,
                {"__typename": "Person", "id": "s2", "name": "Ani", "nik": "12"},
            ),
            "p3": _product("p3", None, 32000, {"w": None, "h": 1}, None),
        },
    },
    query={
        "products": [Ref("Product", "p1"), Ref("Product", "p2"), Ref("Product", "p3")],
        "product": lambda args: Ref("Product", args["id"]),
    },
)


@pytest.fixture(scope="module")
def shop() -> Scenario:
    return Scenario("requires", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ products { tax } }",
        "{ products { total } }",
        "{ products { id total tax price } }",
        "{ products { summary } }",
        '{ products { usdTax price(currency: "USD") } }',
        "{ products { tax usdTax } }",
        "{ products { sellerLabel } }",
        "{ products { sellerLabel seller { name ... on Shop { city } } } }",
        "{ products { area dims { w } } }",
        "{ products { ownField summary total } }",
        '{ product(id: "p2") { total summary } }',
    ],
)
def test_gateway_answers_like_the_monolith(shop: Scenario, query: str) -> None:
    shop.check(query)


@pytest.mark.parametrize("flag", [True, False])
def test_requires_under_include(shop: Scenario, flag: bool) -> None:
    out = shop.check(
        "query($x: Boolean!) { products { name total @include(if: $x) } }", {"x": flag}
    )
    assert ("total" in {s for s, _ in out.calls}) == flag
