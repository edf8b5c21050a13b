"""Request de-duplication with principals: what each caller sees depends on who the gateway
says it is — the credential it signs for each subgraph request (roles and OPD of the caller's
bearer token), which these subgraphs verify with the gateway's public key. The cases pin each
principal's answer; ``tests/federation/test_deduplication.py`` holds the subgraphs to make
requests concurrent and checks what is shared (identical queries of one principal) and what
never is (other principals, mutations). Apollo Gateway has no bearer tokens here."""

from __future__ import annotations

import json
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from tests.federation.harness.model import Case, Scenario, Subgraph

# A fixed test key: the gateway and the subgraph servers (other processes) load this module.
_KEY = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
SIGNING_KEY = _KEY.private_bytes(
    serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
).decode()

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
    """The principal of the gateway's signed credential (a header a client sent is never
    believed; no credential: anonymous)."""
    scheme, _, token = info.context["headers"].get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return "anonymous", None
    claims = jwt.decode(
        token, _KEY.public_key(), algorithms=["EdDSA"], options={"verify_aud": False}
    )
    return ",".join(claims.get("roles") or ["anonymous"]), claims.get("opd")


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
    gateway_env={
        "RUMAH_GATEWAY_AUTH": "required",
        "RUMAH_GATEWAY_TOKENS": json.dumps(TOKENS),
        "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": SIGNING_KEY,
    },
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
            references={
                "Record": lambda rep: next(
                    ({"__typename": "Record", **r} for r in RECORDS if r["id"] == rep["id"]), None
                )
            },
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
        Case(
            "auditor-sees-every-record",
            "{ whoami records { id title note } }",
            headers=_as("t-audit"),
            calls={"records": 1, "notes": 1},
            spec={
                "data": {
                    "whoami": "auditor",
                    "records": [
                        {"id": "r1", "title": "Izin usaha Toko Sinar", "note": "r1 for auditor"},
                        {
                            "id": "r2",
                            "title": "Data posyandu Desa Sei Rampah",
                            "note": "r2 for auditor",
                        },
                        {"id": "r3", "title": "Izin mendirikan bangunan", "note": "r3 for auditor"},
                    ],
                }
            },
        ),
        Case(
            "integrator-sees-its-opd-only",
            "{ whoami records { id title note } }",
            headers=_as("t-lic"),
            spec={
                "data": {
                    "whoami": "integrator/licensing",
                    "records": [
                        {"id": "r1", "title": "Izin usaha Toko Sinar", "note": "r1 for integrator"},
                        {
                            "id": "r3",
                            "title": "Izin mendirikan bangunan",
                            "note": "r3 for integrator",
                        },
                    ],
                }
            },
        ),
        Case(
            "other-opd-other-records",
            "{ whoami records { id } }",
            headers=_as("t-health"),
            spec={"data": {"whoami": "integrator/health", "records": [{"id": "r2"}]}},
        ),
        Case(
            "mutation-runs",
            'mutation { touch(id: "r1") }',
            headers=_as("t-audit"),
            calls={"records": 1},
            spec={"data": {"touch": 1}},
        ),
    ],
)
