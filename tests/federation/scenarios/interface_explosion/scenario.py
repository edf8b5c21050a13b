"""An interface field that one implementation no longer resolves where the interface lives
(``Loan.balance`` overridden elsewhere): the gateway must plan per implementation ("type
explosion") and never use the stale value; a ``@requires`` on the moved field."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph

ACCOUNTS = {
    "s1": {"__typename": "Savings", "id": "s1", "balance": 500},
    "l1": {"__typename": "Loan", "id": "l1", "balance": -1},
    "s2": {"__typename": "Savings", "id": "s2", "balance": None},
    "l2": {"__typename": "Loan", "id": "l2", "balance": -1},
}
LOANS = {
    "l1": {"id": "l1", "balance": 12000, "rate": 0.07},
    "l2": {"id": "l2", "balance": 300, "rate": None},
}


def _risk(loan: dict[str, Any], _info: Any) -> str | None:
    if loan["balance"] is None:
        return None
    return "HIGH" if loan["balance"] > 10000 else "LOW"


SCENARIO = Scenario(
    name="interface_explosion",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "accounts",
            4290,
            "accounts.graphql",
            resolvers={"Query": {"accounts": lambda *_: list(ACCOUNTS.values())}},
            references={
                "Savings": lambda rep: ACCOUNTS.get(rep["id"]),
                "Loan": lambda rep: ACCOUNTS.get(rep["id"]),
            },
        ),
        Subgraph(
            "loans", 4291, "loans.graphql", references={"Loan": lambda rep: LOANS.get(rep["id"])}
        ),
        Subgraph(
            "risk",
            4292,
            "risk.graphql",
            resolvers={"Loan": {"risk": _risk}},
            references={"Loan": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "interface-field-exploded-per-implementation",
            "{ accounts { id balance } }",
            calls={"accounts": 1, "loans": 1},
        ),
        Case(
            "interface-field-with-typename-and-implementation-field",
            "{ accounts { __typename balance ... on Loan { rate } } }",
        ),
        Case(
            "requires-on-moved-field-of-implementation",
            "{ accounts { id ... on Loan { risk } } }",
            calls={"accounts": 1, "loans": 1, "risk": 1},
        ),
        Case(
            "fragment-on-unaffected-implementation-stays-local",
            "{ accounts { ... on Savings { id balance } } }",
            calls={"accounts": 1, "loans": 0, "risk": 0},
        ),
    ],
)
