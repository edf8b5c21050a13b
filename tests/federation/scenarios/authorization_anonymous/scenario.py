"""``@authenticated``/``@requiresScopes`` for a caller who is not authenticated: the gateway
runs with ``RUMAH_GATEWAY_AUTH=none`` (every request is the anonymous principal: not
authenticated, no scope) over the subgraphs of the ``authorization`` scenario. Removed fields
come back null with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error; a removed non-null field nulls its
parent as a subgraph's null would; an operation left with nothing is refused before any fetch.
Apollo Gateway enforces none of this (Router-only), so the answers are written from the rules."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, err
from tests.federation.scenarios.authorization.data import subgraphs

UNAUTHORIZED = "Unauthorized field or type"


def _error(*path: str) -> dict[str, Any]:
    return {
        "message": UNAUTHORIZED,
        "path": list(path),
        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
    }


SCENARIO = Scenario(
    name="authorization_anonymous",
    description=__doc__ or "",
    gateway_env={"RUMAH_GATEWAY_AUTH": "none"},
    no_oracle="@authenticated/@requiresScopes are enforced by Apollo Router, not Apollo Gateway",
    subgraphs=subgraphs("../authorization/", 4765),
    cases=[
        Case(
            "public-field-served",
            "{ notice }",
            calls={"records": 1},
            spec={"data": {"notice": "Layanan buka 08.00"}},
        ),
        Case(
            "authenticated-root-field-removed",
            "{ notice records { id title } }",
            errors=[err("records", UNAUTHORIZED)],
            spec={
                "data": {"notice": "Layanan buka 08.00", "records": None},
                "errors": [_error("records")],
            },
        ),
        Case(
            "removed-non-null-field-nulls-data",
            "{ notice me }",
            errors=[err("me", UNAUTHORIZED)],
            spec={"data": None, "errors": [_error("me")]},
        ),
        Case(
            "scoped-fields-removed-from-an-entity",
            '{ record(id: "r1") { id title riskScore flag } }',
            errors=[
                err("record.title", UNAUTHORIZED),
                err("record.riskScore", UNAUTHORIZED),
                err("record.flag", UNAUTHORIZED),
            ],
            calls={"records": 1, "audit": 0},
            spec={
                "data": {"record": {"id": "r1", "title": None, "riskScore": None, "flag": None}},
                "errors": [
                    _error("record", "title"),
                    _error("record", "riskScore"),
                    _error("record", "flag"),
                ],
            },
        ),
        Case(
            "only-authenticated-fields-refused-before-any-fetch",
            "{ me records { id } }",
            errors=[err("me", UNAUTHORIZED), err("records", UNAUTHORIZED)],
            calls={"records": 0, "people": 0, "audit": 0},
            spec={"errors": [_error("me"), _error("records")]},
        ),
    ],
)
