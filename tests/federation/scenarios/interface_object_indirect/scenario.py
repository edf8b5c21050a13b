"""``@interfaceObject`` extending an interface indirectly: billing and audit add fields to the
``Account`` entity interface through ``@interfaceObject`` without knowing its implementations,
so ``User`` and ``Organisation`` (accounts) gain them; reviews extends ``User`` as a plain
entity; audit's ``riskNote`` requires billing's ``balance`` (interface object to interface
object); ``Account`` itself implements ``Node``."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

ACCOUNTS = {
    "u1": {"__typename": "User", "id": "u1", "name": "Siti", "email": "siti@sergai.go.id"},
    "g1": {"__typename": "Organisation", "id": "g1", "name": "BPKD", "opd": "keuangan"},
    "u2": {"__typename": "User", "id": "u2", "name": "Rudi", "email": None},
}
BALANCES = {"u1": 250, "g1": -1200, "u2": -5}
FLAGGED = {"u1": False, "g1": True, "u2": False}
REVIEWS = {"u1": 3, "u2": 0}


def _billed(account_id: str) -> dict[str, Any]:
    return {"__typename": "Account", "id": account_id, "balance": BALANCES[account_id]}


def _billing_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    return _billed(rep["id"]) if rep["id"] in BALANCES else None


def _audit_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    if rep["id"] not in FLAGGED:
        return None
    return {**rep, "__typename": "Account", "flagged": FLAGGED[rep["id"]]}


def _risk_note(account: dict[str, Any], _info: Any) -> str:
    return "tunggakan" if account["balance"] < 0 else "lancar"


SCENARIO = Scenario(
    name="interface_object_indirect",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "accounts",
            4730,
            "accounts.graphql",
            resolvers={
                "Query": {
                    "accounts": lambda *_: list(ACCOUNTS.values()),
                    "user": lambda _s, _i, id: (
                        ACCOUNTS[id] if ACCOUNTS.get(id, {}).get("__typename") == "User" else None
                    ),
                }
            },
            references={
                "Account": by_key(ACCOUNTS, "id"),
                "User": by_key(ACCOUNTS, "id"),
                "Organisation": by_key(ACCOUNTS, "id"),
            },
        ),
        Subgraph(
            "billing",
            4731,
            "billing.graphql",
            resolvers={
                "Query": {
                    "topAccount": lambda *_: _billed("u1"),
                    "accountsInDebt": lambda *_: [_billed(k) for k, v in BALANCES.items() if v < 0],
                }
            },
            references={"Account": _billing_ref},
        ),
        Subgraph(
            "audit",
            4732,
            "audit.graphql",
            resolvers={"Account": {"riskNote": _risk_note}},
            references={"Account": _audit_ref},
        ),
        Subgraph(
            "reviews",
            4733,
            "reviews.graphql",
            resolvers={
                "Query": {
                    "topReviewer": lambda *_: {"__typename": "User", "id": "u1", "reviewCount": 3},
                    "reviewers": lambda *_: [
                        {"__typename": "User", "id": k, "reviewCount": v}
                        for k, v in REVIEWS.items()
                    ],
                }
            },
            references={
                "User": lambda rep: (
                    {"__typename": "User", "id": rep["id"], "reviewCount": REVIEWS[rep["id"]]}
                    if rep["id"] in REVIEWS
                    else None
                )
            },
        ),
    ],
    cases=[
        Case(
            "interface-object-field-on-interface-list",
            "{ accounts { id name balance } }",
            calls={"accounts": 1, "billing": 1},
        ),
        Case(
            "interface-object-field-on-implementation",
            '{ user(id: "u1") { name email balance } }',
            calls={"accounts": 1, "billing": 1},
        ),
        Case(
            "implementation-fragment-with-interface-object-field",
            "{ accounts { ... on Organisation { opd balance } ... on User { email } } }",
        ),
        Case(
            "interface-object-root-interface-fields",
            "{ topAccount { id balance name } }",
            calls={"billing": 1, "accounts": 1},
        ),
        Case(
            "interface-object-root-real-typename",
            "{ topAccount { __typename id } }",
            calls={"billing": 1, "accounts": 1},
        ),
        Case(
            "interface-object-root-implementation-fragments",
            "{ accountsInDebt { balance ... on Organisation { opd } ... on User { email } } }",
        ),
        Case(
            "implementation-extended-elsewhere",
            "{ accounts { name ... on User { reviewCount balance } } }",
        ),
        Case(
            "interface-object-root-to-implementation-only-subgraph",
            "{ topAccount { ... on User { reviewCount } } }",
        ),
        Case(
            "second-interface-object-requires-first",
            "{ accounts { id flagged riskNote } }",
        ),
        Case(
            "requires-across-interface-objects-from-implementation",
            '{ user(id: "u2") { riskNote } }',
        ),
        Case(
            "requires-across-interface-objects-from-interface-object-root",
            "{ accountsInDebt { id riskNote flagged } }",
        ),
        Case(
            "interface-of-the-interface",
            "{ accounts { ... on Node { id } balance } }",
        ),
        Case(
            "implementation-only-subgraph-to-interface-object",
            "{ topReviewer { reviewCount balance } }",
            calls={"reviews": 1, "billing": 1},
        ),
        Case(
            "implementation-only-subgraph-list-to-two-interface-objects",
            "{ reviewers { id balance flagged riskNote } }",
        ),
        Case(
            "implementation-only-subgraph-to-owner-and-interface-object",
            "{ reviewers { name email balance } }",
        ),
        Case(
            "every-subgraph-at-once",
            "{ accounts { __typename name balance flagged riskNote "
            "... on User { email reviewCount } ... on Organisation { opd } } }",
        ),
    ],
)
