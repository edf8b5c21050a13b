"""``@override``: a moved field (and a moved root field) is served by the new owner, also when
another subgraph ``@requires`` it; progressive override labels (custom label inactive,
``percent(0)``, ``percent(100)``). Old-owner values are deliberately stale to show routing."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

INVOICES = {
    "i1": {
        "id": "i1",
        "amount": 1000,
        "status": "PAID",
        "currency": "IDR",
        "due": "2017-08-01",
        "customer": "Dinas PPTSP",
    },
    "i2": {
        "id": "i2",
        "amount": 250,
        "status": "OPEN",
        "currency": "IDR",
        "due": "2017-09-01",
        "customer": "BPKD",
    },
}


def _billing(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Invoice",
        "id": i["id"],
        "amount": 0,
        "status": f"LEGACY {i['status']}",
        "currency": f"LEGACY {i['currency']}",
        "dueDate": f"LEGACY {i['due']}",
        "customer": i["customer"],
    }


def _payments(i: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": i["id"],
        "amount": i["amount"],
        "status": i["status"],
        "currency": i["currency"],
        "dueDate": i["due"],
    }


_LABEL_NOTE = (
    "percent(100) activates the label for every request (Apollo docs, progressive override), "
    "so payments serves dueDate; Apollo Gateway's planner treats every label as inactive."
)

SCENARIO = Scenario(
    name="override",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "billing",
            4225,
            "billing.graphql",
            resolvers={
                "Query": {
                    "invoices": lambda *_: [_billing(i) for i in INVOICES.values()],
                    "invoiceCount": lambda *_: -1,
                }
            },
            references={"Invoice": by_key({k: _billing(i) for k, i in INVOICES.items()}, "id")},
        ),
        Subgraph(
            "payments",
            4226,
            "payments.graphql",
            resolvers={"Query": {"invoiceCount": lambda *_: len(INVOICES)}},
            references={"Invoice": by_key({k: _payments(i) for k, i in INVOICES.items()}, "id")},
        ),
        Subgraph(
            "tax",
            4227,
            "tax.graphql",
            resolvers={
                "Invoice": {
                    "tax": lambda inv, _i: None if inv["amount"] is None else inv["amount"] // 10
                }
            },
            references={"Invoice": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "overridden-field-from-new-owner",
            "{ invoices { id amount customer } }",
            calls={"billing": 1, "payments": 1},
        ),
        Case("overridden-root-field", "{ invoiceCount }", calls={"billing": 0, "payments": 1}),
        Case(
            "requires-satisfied-by-new-owner",
            "{ invoices { id tax } }",
            calls={"billing": 1, "payments": 1, "tax": 1},
        ),
        Case(
            "progressive-custom-label-inactive",
            "{ invoices { id status } }",
            calls={"billing": 1, "payments": 0},
        ),
        Case(
            "progressive-percent-0-old-owner",
            "{ invoices { currency } }",
            calls={"billing": 1, "payments": 0},
        ),
        Case(
            "progressive-percent-100-new-owner",
            "{ invoices { dueDate } }",
            calls={"billing": 1, "payments": 1},
            spec={"data": {"invoices": [{"dueDate": "2017-08-01"}, {"dueDate": "2017-09-01"}]}},
            note=_LABEL_NOTE,
        ),
        Case(
            "all-override-kinds-together",
            "{ invoiceCount invoices { id amount status currency dueDate tax } }",
            spec={
                "data": {
                    "invoiceCount": 2,
                    "invoices": [
                        {
                            "id": "i1",
                            "amount": 1000,
                            "status": "LEGACY PAID",
                            "currency": "LEGACY IDR",
                            "dueDate": "2017-08-01",
                            "tax": 100,
                        },
                        {
                            "id": "i2",
                            "amount": 250,
                            "status": "LEGACY OPEN",
                            "currency": "LEGACY IDR",
                            "dueDate": "2017-09-01",
                            "tax": 25,
                        },
                    ],
                }
            },
            note=_LABEL_NOTE,
        ),
    ],
)
