"""``@skip``/``@include`` with variables in entity-fetch positions: on an entity field, on the
field leading to an entity, on inline fragments and fragment spreads holding entity fields, on
a key field the join still needs, on a field a ``@requires`` still needs, both directives on
one field, a field selected with and without a condition, variable defaults."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err
from tests.federation.harness.subgraph import by_key

ORDERS = [
    {"id": "o1", "number": "SP2D-001", "customer": "c1", "status": "SHIPPED"},
    {"id": "o2", "number": "SP2D-002", "customer": None, "status": None},
]
CUSTOMERS = {"c1": {"id": "c1", "name": "CV Sei Rampah", "kecamatan": "Sei Rampah"}}
STATUS = {o["id"]: o["status"] for o in ORDERS}


def _order(o: dict[str, Any]) -> dict[str, Any]:
    customer = None if o["customer"] is None else {"__typename": "Customer", "id": o["customer"]}
    return {"__typename": "Order", "id": o["id"], "number": o["number"], "customer": customer}


def _eta(order: dict[str, Any], _info: Any) -> str:
    return "2 hari" if order["status"] == "SHIPPED" else "belum dikirim"


Q_CUSTOMER = "query($c: Boolean!) { orders { number customer @include(if: $c) { name } } }"
Q_STATUS = "query($s: Boolean!) { orders { number status @skip(if: $s) } }"
Q_INLINE = (
    "query($x: Boolean!) { orders { number ... @include(if: $x) { status customer { name } } } }"
)
Q_SPREAD = (
    "query($x: Boolean!) { orders { id ...Tracked @include(if: $x) } } "
    "fragment Tracked on Order { status }"
)
Q_KEY = "query($s: Boolean!) { orders { customer { id @skip(if: $s) name } } }"
Q_REQUIRED = "query($s: Boolean!) { orders { status @skip(if: $s) eta } }"
Q_EXPLICIT_KEY = "query($x: Boolean!) { orders { id @include(if: $x) status } }"
Q_BOTH = (
    "query($s: Boolean!, $i: Boolean!) { orders { number status @skip(if: $s) @include(if: $i) } }"
)

SCENARIO = Scenario(
    name="conditions_entities",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "orders",
            4750,
            "orders.graphql",
            resolvers={
                "Query": {"orders": lambda *_: [_order(o) for o in ORDERS]},
                "Order": {"eta": _eta},
            },
            references={"Order": by_key({o["id"]: _order(o) for o in ORDERS}, "id")},
        ),
        Subgraph(
            "customers",
            4751,
            "customers.graphql",
            references={"Customer": by_key(CUSTOMERS, "id")},
        ),
        Subgraph(
            "tracking",
            4752,
            "tracking.graphql",
            references={
                "Order": lambda rep: {
                    "__typename": "Order",
                    "id": rep["id"],
                    "status": STATUS.get(rep["id"]),
                }
            },
        ),
    ],
    cases=[
        Case(
            "include-false-on-field-leading-to-entity",
            Q_CUSTOMER,
            variables={"c": False},
            calls={"orders": 1, "customers": 0},
        ),
        Case(
            "include-true-on-field-leading-to-entity",
            Q_CUSTOMER,
            variables={"c": True},
            calls={"orders": 1, "customers": 1},
        ),
        Case(
            "skip-true-on-entity-field",
            Q_STATUS,
            variables={"s": True},
            calls={"orders": 1, "tracking": 0},
        ),
        Case(
            "skip-false-on-entity-field",
            Q_STATUS,
            variables={"s": False},
            calls={"orders": 1, "tracking": 1},
        ),
        Case(
            "include-false-on-inline-fragment-with-entity-fields",
            Q_INLINE,
            variables={"x": False},
            calls={"orders": 1, "tracking": 0, "customers": 0},
        ),
        Case(
            "include-true-on-inline-fragment-with-entity-fields",
            Q_INLINE,
            variables={"x": True},
            calls={"orders": 1, "tracking": 1, "customers": 1},
        ),
        Case(
            "include-false-on-fragment-spread",
            Q_SPREAD,
            variables={"x": False},
            calls={"orders": 1, "tracking": 0},
        ),
        Case(
            "include-true-on-fragment-spread",
            Q_SPREAD,
            variables={"x": True},
            calls={"orders": 1, "tracking": 1},
        ),
        Case(
            "skipped-key-field-still-used-for-the-join",
            Q_KEY,
            variables={"s": True},
            calls={"orders": 1, "customers": 1},
        ),
        Case(
            "key-field-not-skipped",
            Q_KEY,
            variables={"s": False},
        ),
        Case(
            "skipped-field-still-used-by-requires",
            Q_REQUIRED,
            variables={"s": True},
            calls={"orders": 2, "tracking": 1},
        ),
        Case(
            "required-field-not-skipped",
            Q_REQUIRED,
            variables={"s": False},
        ),
        Case(
            "key-field-included-false-entity-field-fetched",
            Q_EXPLICIT_KEY,
            variables={"x": False},
            calls={"orders": 1, "tracking": 1},
        ),
        Case(
            "skip-false-and-include-false",
            Q_BOTH,
            variables={"s": False, "i": False},
            calls={"orders": 1, "tracking": 0},
        ),
        Case(
            "skip-false-and-include-true",
            Q_BOTH,
            variables={"s": False, "i": True},
            calls={"orders": 1, "tracking": 1},
        ),
        Case(
            "skip-true-and-include-true",
            Q_BOTH,
            variables={"s": True, "i": True},
            calls={"orders": 1, "tracking": 0},
        ),
        Case(
            "field-with-and-without-condition",
            "query($x: Boolean!) { orders { status @include(if: $x) number status } }",
            variables={"x": False},
            calls={"orders": 1, "tracking": 1},
        ),
        Case(
            "variable-default-applies",
            "query($c: Boolean = false) { orders { number customer @include(if: $c) { name } } }",
            calls={"orders": 1, "customers": 0},
        ),
        Case(
            "variable-default-overridden",
            "query($c: Boolean = false) { orders { number customer @include(if: $c) { name } } }",
            variables={"c": True},
            calls={"orders": 1, "customers": 1},
        ),
        Case(
            "variable-default-true-inside-entity-fetch",
            "query($s: Boolean = true) { orders { number status @include(if: $s) "
            "customer { name kecamatan @skip(if: $s) } } }",
            calls={"orders": 1, "tracking": 1, "customers": 1},
        ),
        Case(
            "variable-sent-null-for-defaulted-condition",
            "query($s: Boolean = true) { orders { number status @include(if: $s) } }",
            variables={"s": None},
            errors=[err(None, "$s")],
        ),
        Case(
            "nested-conditions-in-two-entity-fetches",
            "query($c: Boolean!, $k: Boolean!) { orders { status "
            "customer @include(if: $c) { name kecamatan @include(if: $k) } } }",
            variables={"c": True, "k": False},
        ),
        Case(
            "typename-under-skipped-entity-fragment",
            "query($s: Boolean!) { orders { ... on Order @skip(if: $s) "
            "{ __typename status } id } }",
            variables={"s": True},
            calls={"orders": 1, "tracking": 0},
        ),
    ],
)
