"""Progressive ``@override`` with the gateway configured like an operator would: the custom
label ``modern-status`` is listed in ``RUMAH_GATEWAY_OVERRIDE_LABELS`` (always active, so the
new owner serves ``status``); ``modern-deadline`` is not (the old owner keeps ``deadline``).
``fee`` moves with ``percent(50)``: drawn once per request, so a request sees one owner for
all permits; ``tests/federation/test_progressive_override.py`` checks both owners answer over
many requests. Old-owner values read ``LAMA …`` to show the routing.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph

PERMITS = {
    "p1": {"id": "p1", "status": "TERBIT", "fee": 150000, "deadline": "2017-08-01"},
    "p2": {"id": "p2", "status": "PROSES", "fee": 75000, "deadline": "2017-09-15"},
}


def _legacy(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Permit",
        "id": p["id"],
        "status": f"LAMA {p['status']}",
        "fee": 0,
        "deadline": f"LAMA {p['deadline']}",
    }


def _modern(rep: dict[str, Any]) -> Any:
    p = PERMITS.get(rep["id"])
    return None if p is None else {"__typename": "Permit", **p}


NEW_STATUS = [{"id": "p1", "status": "TERBIT"}, {"id": "p2", "status": "PROSES"}]
LABEL_NOTE = (
    "modern-status is configured active (RUMAH_GATEWAY_OVERRIDE_LABELS), so the new owner "
    "serves status; Apollo Gateway has no label configuration and treats every label inactive."
)

SCENARIO = Scenario(
    name="override_progressive",
    description=__doc__ or "",
    gateway_env={"RUMAH_GATEWAY_OVERRIDE_LABELS": '["modern-status"]'},
    subgraphs=[
        Subgraph(
            "legacy",
            4287,
            "legacy.graphql",
            resolvers={"Query": {"permits": lambda *_: [_legacy(p) for p in PERMITS.values()]}},
            references={
                "Permit": lambda rep: _legacy(PERMITS[rep["id"]]) if rep["id"] in PERMITS else None
            },
        ),
        Subgraph("modern", 4288, "modern.graphql", references={"Permit": _modern}),
    ],
    cases=[
        Case(
            "configured-label-moves-the-field-to-the-new-owner",
            "{ permits { id status } }",
            calls={"legacy": 1, "modern": 1},
            spec={"data": {"permits": NEW_STATUS}},
            note=LABEL_NOTE,
        ),
        Case(
            "unconfigured-label-keeps-the-old-owner",
            "{ permits { id deadline } }",
            calls={"legacy": 1, "modern": 0},
        ),
        Case(
            "both-labels-in-one-query",
            "{ permits { status deadline } }",
            calls={"legacy": 1, "modern": 1},
            spec={
                "data": {
                    "permits": [
                        {"status": "TERBIT", "deadline": "LAMA 2017-08-01"},
                        {"status": "PROSES", "deadline": "LAMA 2017-09-15"},
                    ]
                }
            },
            note=LABEL_NOTE,
        ),
    ],
)
