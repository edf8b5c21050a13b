"""``@requires`` chains that go back and forth between two subgraphs ("circular" requires):
ledger → audit → ledger → audit, a requirement mixing a chained and a direct field, and a
requirement whose nested field the requiring subgraph itself resolves, through the other
subgraph's entity reference."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

ACCOUNTS = {
    "a1": {"id": "a1", "opening": 100, "manager": {"__typename": "Officer", "nip": "n1"}},
    "a2": {"id": "a2", "opening": 7, "manager": {"__typename": "Officer", "nip": "n2"}},
    "a3": {"id": "a3", "opening": 0, "manager": None},
}
RANKS = {"n1": 4, "n2": None}


def _account(a: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Account", **a}


def _plus(source: str, amount: int) -> Any:
    def resolve(account: dict[str, Any], _info: Any) -> int | None:
        value = account[source]
        return None if value is None else value + amount

    return resolve


def _times(source: str, factor: int) -> Any:
    def resolve(account: dict[str, Any], _info: Any) -> int | None:
        value = account[source]
        return None if value is None else value * factor

    return resolve


def _summary(account: dict[str, Any], _info: Any) -> str:
    return f"{account['id']}: {account['opening']} -> {account['step4']}"


def _approval(account: dict[str, Any], _info: Any) -> str:
    manager = account["manager"]
    if manager is None:
        return "no manager"
    return f"rank {'?' if manager['rank'] is None else manager['rank']}"


_CHAIN = (
    "each step needs the previous one from the other subgraph (step1 = opening + 1, step2 = "
    "2 * step1, step3 = step2 + 3, step4 = 10 * step3), so every hop is its own fetch; Apollo "
    "Gateway asks ledger for step2 in its first fetch, without step1 (the resolver fails: "
    "'step1'), and everything after it is null."
)


def _steps(account: dict[str, Any]) -> dict[str, int]:
    step1 = account["opening"] + 1
    step2 = 2 * step1
    step3 = step2 + 3
    return {"step1": step1, "step2": step2, "step3": step3, "step4": 10 * step3}


_STEPS = {k: _steps(a) for k, a in ACCOUNTS.items()}

SCENARIO = Scenario(
    name="requires_circular",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "ledger",
            4710,
            "ledger.graphql",
            resolvers={
                "Query": {
                    "accounts": lambda *_: [_account(a) for a in ACCOUNTS.values()],
                    "account": lambda _s, _i, id: (
                        _account(ACCOUNTS[id]) if id in ACCOUNTS else None
                    ),
                },
                "Account": {"step2": _times("step1", 2), "step4": _times("step3", 10)},
            },
            references={
                "Account": by_key({k: _account(a) for k, a in ACCOUNTS.items()}, "id"),
                "Officer": lambda rep: {"__typename": "Officer", "nip": rep["nip"]},
            },
        ),
        Subgraph(
            "audit",
            4711,
            "audit.graphql",
            resolvers={
                "Account": {
                    "step1": _plus("opening", 1),
                    "step3": _plus("step2", 3),
                    "summary": _summary,
                    "approval": _approval,
                },
                "Officer": {"rank": lambda officer, _i: RANKS.get(officer["nip"])},
            },
            references={"Account": lambda rep: rep, "Officer": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "one-hop-back",
            "{ accounts { id step1 } }",
            calls={"ledger": 1, "audit": 1},
        ),
        Case(
            "ledger-audit-ledger",
            "{ accounts { id step2 } }",
            calls={"ledger": 2, "audit": 1},
        ),
        Case(
            "ledger-audit-ledger-audit",
            '{ account(id: "a1") { step3 } }',
            calls={"ledger": 2, "audit": 2},
            spec={"data": {"account": {"step3": 205}}},
            note=_CHAIN,
        ),
        Case(
            "four-hops-back-and-forth",
            "{ accounts { id step4 } }",
            calls={"ledger": 3, "audit": 2},
            spec={
                "data": {"accounts": [{"id": k, "step4": v["step4"]} for k, v in _STEPS.items()]}
            },
            note=_CHAIN,
        ),
        Case(
            "every-step-of-the-chain-selected",
            "{ accounts { step4 step3 step2 step1 opening } }",
            spec={
                "data": {
                    "accounts": [
                        {
                            "step4": v["step4"],
                            "step3": v["step3"],
                            "step2": v["step2"],
                            "step1": v["step1"],
                            "opening": ACCOUNTS[k]["opening"],
                        }
                        for k, v in _STEPS.items()
                    ]
                }
            },
            note=_CHAIN,
        ),
        Case(
            "aliased-chain-fields-in-a-fragment",
            '{ account(id: "a2") { ... on Account { last: step4 } second: step2 id } }',
            spec={"data": {"account": {"last": 190, "second": 16, "id": "a2"}}},
            note=_CHAIN,
        ),
        Case(
            "chained-and-direct-requirement",
            "{ accounts { summary } }",
            spec={
                "data": {
                    "accounts": [
                        {"summary": "a1: 100 -> 2050"},
                        {"summary": "a2: 7 -> 190"},
                        {"summary": "a3: 0 -> 50"},
                    ]
                }
            },
            note=_CHAIN,
        ),
        Case(
            "nested-requirement-resolved-by-the-requiring-subgraph",
            "{ accounts { id approval } }",
        ),
        Case(
            "nested-requirement-with-client-selection",
            "{ accounts { manager { nip rank } approval step2 } }",
        ),
    ],
)
