"""Mutations: top-level fields run one after another in document order, across subgraphs,
and each field's entity follow-ups (``Cart.total`` from ledger) run before the next field.
Both subgraphs share one in-memory state (same process), so sequence numbers and totals show
the order in which the gateway really executed things."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

PRICES = {"kopi": 25, "dodol": 10, "ulos": 200}
STATE: dict[str, Any] = {}


def reset() -> None:
    STATE.clear()
    STATE.update({"items": [], "seq": 0, "cart_seq": 0})


reset()


def _next_seq() -> int:
    STATE["seq"] += 1
    return int(STATE["seq"])


def _cart() -> dict[str, Any]:
    return {
        "__typename": "Cart",
        "id": "c1",
        "items": list(STATE["items"]),
        "seq": STATE["cart_seq"],
    }


def _add(_s: Any, _i: Any, sku: str) -> dict[str, Any]:
    if sku not in PRICES:
        raise ValueError(f"unknown sku {sku}")
    STATE["items"].append(sku)
    STATE["cart_seq"] = _next_seq()
    return _cart()


def _fail(*_: Any) -> None:
    raise ValueError("payment provider unavailable")


def _record(_s: Any, _i: Any, note: str) -> dict[str, Any]:
    return {"seq": _next_seq(), "note": note}


SCENARIO = Scenario(
    name="mutations",
    description=__doc__ or "",
    reset=reset,
    subgraphs=[
        Subgraph(
            "cart",
            4250,
            "cart.graphql",
            resolvers={
                "Query": {"cart": lambda *_: _cart()},
                "Mutation": {"addItem": _add, "failAdd": _fail},
            },
            references={"Cart": lambda rep: _cart()},
        ),
        Subgraph(
            "ledger",
            4251,
            "ledger.graphql",
            resolvers={"Mutation": {"record": _record}},
            references={
                "Cart": lambda rep: {
                    "id": rep["id"],
                    "total": sum(PRICES[s] for s in STATE["items"]),
                }
            },
        ),
    ],
    cases=[
        Case(
            "mutation-with-entity-follow-up",
            'mutation { addItem(sku: "kopi") { id items total } }',
            calls={"cart": 1, "ledger": 1},
        ),
        Case(
            "serial-order-across-subgraphs",
            'mutation { a: addItem(sku: "kopi") { seq } r: record(note: "paid") { seq note } '
            'b: addItem(sku: "dodol") { seq items } }',
            calls={"cart": 2, "ledger": 1},
        ),
        Case(
            "follow-ups-run-before-next-mutation",
            'mutation { a: addItem(sku: "kopi") { items total } '
            'b: addItem(sku: "ulos") { items total } }',
            spec={
                "data": {
                    "a": {"items": ["kopi"], "total": 25},
                    "b": {"items": ["kopi", "ulos"], "total": 225},
                }
            },
            note="GraphQL spec (Normal and Serial Execution): a's selection set, including "
            "total from ledger, completes before b runs. Apollo Gateway sends both cart "
            "mutations in one fetch and prices the cart afterwards (225 twice).",
        ),
        Case(
            "same-subgraph-consecutive-fields",
            'mutation { a: addItem(sku: "kopi") { seq } b: addItem(sku: "kopi") { seq } '
            'c: record(note: "x") { seq } }',
        ),
        Case(
            "nullable-mutation-error-later-fields-still-run",
            'mutation { a: addItem(sku: "kopi") { seq } f: failAdd { seq } '
            'r: record(note: "after") { seq note } }',
            errors=[err("f", "payment provider unavailable")],
        ),
        Case(
            "mutation-variables-and-typename",
            "mutation Add($sku: String!) { __typename addItem(sku: $sku) { __typename items "
            "total } }",
            variables={"sku": "ulos"},
        ),
        Case(
            "query-sees-fresh-state",
            "{ cart { items seq total } }",
        ),
        Case(
            "non-null-mutation-error-nulls-data",
            'mutation { addItem(sku: "durian") { seq } }',
            errors=[err("addItem", "unknown sku durian")],
        ),
    ],
)
