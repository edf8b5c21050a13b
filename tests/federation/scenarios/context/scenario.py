"""``@context`` / ``@fromContext``: ``Transaction.amount(currency:)`` takes its argument from
the nearest ancestor that sets the ``holder`` context (a ``User`` or an ``Agency``), read
from that ancestor's ``currency { isoCode }``. The gateway fetches the context value with the
ancestor, then asks for ``amount`` through ``_entities`` with the value as the argument — one
request per distinct value when the transactions of a batch belong to different holders.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

RATES = {"IDR": 1, "USD": 16000, "SGD": 12000}
TRANSACTIONS = {
    "t1": {"id": "t1", "rupiah": 160000, "status": "lunas"},
    "t2": {"id": "t2", "rupiah": 48000, "status": "tertunda"},
    "t3": {"id": "t3", "rupiah": 1200000, "status": "lunas"},
    "t4": {"id": "t4", "rupiah": 24000, "status": "batal"},
}
USERS = {
    "u1": {"id": "u1", "name": "Sari", "currency": {"isoCode": "IDR"}, "tx": ["t1", "t2"]},
    "u2": {"id": "u2", "name": "Budi", "currency": {"isoCode": "USD"}, "tx": ["t2", "t3"]},
}
AGENCIES = {"bpkd": {"code": "bpkd", "currency": {"isoCode": "SGD"}, "tx": ["t3", "t4"]}}


def _tx(tid: str) -> dict[str, Any]:
    return {"__typename": "Transaction", "id": tid}


def _user(uid: str) -> Any:
    u = USERS.get(uid)
    if u is None:
        return None
    return {
        "__typename": "User",
        **{k: v for k, v in u.items() if k != "tx"},
        "transactions": [_tx(t) for t in u["tx"]],
        "lastTransaction": _tx(u["tx"][-1]),
    }


def _agency(code: str) -> Any:
    a = AGENCIES.get(code)
    if a is None:
        return None
    return {
        "__typename": "Agency",
        "code": code,
        "currency": a["currency"],
        "transactions": [_tx(t) for t in a["tx"]],
    }


def _amount(source: dict[str, Any], _info: Any, currency: str | None = None) -> str:
    rupiah = TRANSACTIONS[source["id"]]["rupiah"]
    if currency is None:
        return f"{rupiah} (tanpa mata uang)"
    if currency not in RATES:
        raise ValueError(f"unknown currency {currency}")
    return f"{rupiah / RATES[currency]:.2f} {currency}"


SCENARIO = Scenario(
    name="context",
    description=__doc__ or "",
    no_oracle="Apollo Gateway 2.14 refuses the context feature (for: SECURITY); only Apollo "
    "Router plans @fromContext, so these answers are written by hand from the rates below",
    subgraphs=[
        Subgraph(
            "directory",
            4282,
            "directory.graphql",
            resolvers={
                "Query": {
                    "staff": lambda *_: [{"__typename": "User", "id": u} for u in ("u2", "u1")]
                }
            },
            references={"User": lambda rep: {"__typename": "User", "id": rep["id"]}},
        ),
        Subgraph(
            "profiles",
            4283,
            "profiles.graphql",
            resolvers={
                "Query": {
                    "me": lambda *_: _user("u1"),
                    "users": lambda *_: [_user(u) for u in USERS],
                    "agencies": lambda *_: [_agency(a) for a in AGENCIES],
                },
                "Transaction": {"amount": _amount},
            },
            references={
                "User": lambda rep: _user(rep["id"]),
                "Agency": lambda rep: _agency(rep["code"]),
                "Transaction": lambda rep: _tx(rep["id"]) if rep["id"] in TRANSACTIONS else None,
            },
        ),
        Subgraph(
            "billing",
            4284,
            "billing.graphql",
            references={
                "Transaction": lambda rep: (
                    {
                        "__typename": "Transaction",
                        "id": rep["id"],
                        "status": TRANSACTIONS[rep["id"]]["status"],
                    }
                    if rep["id"] in TRANSACTIONS
                    else None
                )
            },
        ),
    ],
    cases=[
        Case(
            "context-from-the-root-object",
            "{ me { name transactions { id amount } } }",
            spec={
                "data": {
                    "me": {
                        "name": "Sari",
                        "transactions": [
                            {"id": "t1", "amount": "160000.00 IDR"},
                            {"id": "t2", "amount": "48000.00 IDR"},
                        ],
                    }
                }
            },
        ),
        Case(
            "context-value-per-holder-in-a-list",
            "{ users { name currency { isoCode } transactions { id amount } } }",
            spec={
                "data": {
                    "users": [
                        {
                            "name": "Sari",
                            "currency": {"isoCode": "IDR"},
                            "transactions": [
                                {"id": "t1", "amount": "160000.00 IDR"},
                                {"id": "t2", "amount": "48000.00 IDR"},
                            ],
                        },
                        {
                            "name": "Budi",
                            "currency": {"isoCode": "USD"},
                            "transactions": [
                                {"id": "t2", "amount": "3.00 USD"},
                                {"id": "t3", "amount": "75.00 USD"},
                            ],
                        },
                    ]
                }
            },
            calls={"profiles": 3},
        ),
        Case(
            "context-field-not-selected-by-the-client",
            "{ users { transactions { amount } } }",
            spec={
                "data": {
                    "users": [
                        {"transactions": [{"amount": "160000.00 IDR"}, {"amount": "48000.00 IDR"}]},
                        {"transactions": [{"amount": "3.00 USD"}, {"amount": "75.00 USD"}]},
                    ]
                }
            },
        ),
        Case(
            "context-holder-reached-through-an-entity-jump",
            "{ staff { id transactions { id amount status } } }",
            spec={
                "data": {
                    "staff": [
                        {
                            "id": "u2",
                            "transactions": [
                                {"id": "t2", "amount": "3.00 USD", "status": "tertunda"},
                                {"id": "t3", "amount": "75.00 USD", "status": "lunas"},
                            ],
                        },
                        {
                            "id": "u1",
                            "transactions": [
                                {"id": "t1", "amount": "160000.00 IDR", "status": "lunas"},
                                {"id": "t2", "amount": "48000.00 IDR", "status": "tertunda"},
                            ],
                        },
                    ]
                }
            },
            calls={"directory": 1, "billing": 1},
        ),
        Case(
            "context-set-by-another-type",
            "{ agencies { code transactions { amount } } }",
            spec={
                "data": {
                    "agencies": [
                        {
                            "code": "bpkd",
                            "transactions": [{"amount": "100.00 SGD"}, {"amount": "2.00 SGD"}],
                        }
                    ]
                }
            },
        ),
        Case(
            "context-field-and-fields-of-other-subgraphs",
            "{ me { lastTransaction { status amount id } } }",
            spec={
                "data": {
                    "me": {
                        "lastTransaction": {
                            "status": "tertunda",
                            "amount": "48000.00 IDR",
                            "id": "t2",
                        }
                    }
                }
            },
        ),
        Case(
            "aliased-context-field",
            "{ me { transactions { a: amount b: amount } } }",
            spec={
                "data": {
                    "me": {
                        "transactions": [
                            {"a": "160000.00 IDR", "b": "160000.00 IDR"},
                            {"a": "48000.00 IDR", "b": "48000.00 IDR"},
                        ]
                    }
                }
            },
        ),
        Case(
            "context-and-holder-in-one-selection-twice",
            "{ me { transactions { amount } lastTransaction { amount } } "
            "agencies { transactions { amount } } }",
            spec={
                "data": {
                    "me": {
                        "transactions": [{"amount": "160000.00 IDR"}, {"amount": "48000.00 IDR"}],
                        "lastTransaction": {"amount": "48000.00 IDR"},
                    },
                    "agencies": [
                        {"transactions": [{"amount": "100.00 SGD"}, {"amount": "2.00 SGD"}]}
                    ],
                }
            },
        ),
        Case(
            "contextual-argument-is-not-in-the-api-schema",
            '{ me { transactions { amount(currency: "USD") } } }',
            errors=[err(None, 'Unknown argument "currency"')],
            calls={"profiles": 0, "directory": 0, "billing": 0},
            spec={
                "errors": [
                    {
                        "message": 'Unknown argument "currency" on field "Transaction.amount".',
                        "locations": [{"line": 1, "column": 30}],
                    }
                ]
            },
        ),
    ],
)
