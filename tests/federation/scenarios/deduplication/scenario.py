"""Request de-duplication with principals: what each caller sees depends on who the gateway
says it is (``X-Rumah-Role`` / ``X-Rumah-Opd`` from its bearer token). The cases pin each
principal's answer; ``tests/federation/test_deduplication.py`` holds the subgraphs to make
requests concurrent and checks what is shared (identical queries of one principal) and what
never is (other principals, mutations). Apollo Gateway has no bearer tokens here."""

from __future__ import annotations

import json
from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph

RECORDS = [
    {"id": "r1", "opd": "licensing", "title": "Izin usaha Toko Sinar"},
    {"id": "r2", "opd": "health", "title": "Data posyandu Desa Sei Rampah"},
    {"id": "r3", "opd": "licensing", "title": "Izin mendirikan bangunan"},
]
TOKENS = {
    "t-audit": {"role": "auditor", "name": "audit"},
    "t-lic": {"role": "integrator", "opd": "licensing", "name": "lic"},
    "t-health": {"role": "integrator", "opd": "health", "name": "health"},
}
TOUCHES = {"count": 0}


def _caller(info: Any) -> tuple[str, str | None]:
    headers = info.context["headers"]
    return headers.get("x-rumah-role", "anonymous"), headers.get("x-rumah-opd")


def _records(_s: Any, info: Any) -> list[dict[str, Any]]:
    role, opd = _caller(info)
    if role == "auditor":
        return [{"__typename": "Record", **r} for r in RECORDS]
    return [{"__typename": "Record", **r} for r in RECORDS if opd and r["opd"] == opd]


def _whoami(_s: Any, info: Any) -> str:
    role, opd = _caller(info)
    return f"{role}/{opd}" if opd else role


def _touch(_s: Any, _info: Any, id: str) -> int:
    TOUCHES["count"] += 1
    return TOUCHES["count"]


def _note(record: dict[str, Any], info: Any) -> str:
    role, _ = _caller(info)
    return f"{record['id']} for {role}"


def _reset() -> None:
    TOUCHES["count"] = 0


def _as(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


SCENARIO = Scenario(
    name="deduplication",
    description=__doc__ or "",
    reset=_reset,
    gateway_env={"RUMAH_GATEWAY_TOKENS": json.dumps(TOKENS)},
    no_oracle="the cases authenticate with the gateway's bearer tokens (RUMAH_GATEWAY_TOKENS)",
    subgraphs=[
        Subgraph(
            "records",
            4301,
            "records.graphql",
            resolvers={
                "Query": {"records": _records, "whoami": _whoami},
                "Mutation": {"touch": _touch},
            },
            references={"Record": lambda rep: next(
                ({"__typename": "Record", **r} for r in RECORDS if r["id"] == rep["id"]), None)},
        ),
        Subgraph(
            "notes",
            4302,
            "notes.graphql",
            resolvers={"Record": {"note": _note}},
            references={"Record": lambda rep: {"__typename": "Record", "id": rep["id"]}},
        ),
    ],
    cases=[
        Case("auditor-sees-every-record",
             "{ whoami records { id title note } }",
             headers=_as("t-audit"),
             calls={"records": 1, "notes": 1},
             spec={"data": {"whoami": "auditor", "records": [
                 {"id": "r1", "title": "Izin usaha Toko Sinar", "note": "r1 for auditor"},
                 {"id": "r2", "title": "Data posyandu Desa Sei Rampah", "note": "r2 for auditor"},
                 {"id": "r3", "title": "Izin mendirikan bangunan", "note": "r3 for auditor"},
             ]}}),
        Case("integrator-sees-its-opd-only",
             "{ whoami records { id title note } }",
             headers=_as("t-lic"),
             spec={"data": {"whoami": "integrator/licensing", "records": [
                 {"id": "r1", "title": "Izin usaha Toko Sinar", "note": "r1 for integrator"},
                 {"id": "r3", "title": "Izin mendirikan bangunan", "note": "r3 for integrator"},
             ]}}),
        Case("other-opd-other-records",
             "{ whoami records { id } }",
             headers=_as("t-health"),
             spec={"data": {"whoami": "integrator/health", "records": [{"id": "r2"}]}}),
        Case("mutation-runs",
             'mutation { touch(id: "r1") }',
             headers=_as("t-audit"),
             calls={"records": 1},
             spec={"data": {"touch": 1}}),
    ],
)
