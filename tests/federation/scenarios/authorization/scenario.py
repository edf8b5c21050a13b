"""``@authenticated``/``@requiresScopes`` across subgraphs, enforced by the gateway (Apollo
Router's model: docs/access.md): unauthorized fields are removed before planning and come back
null with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error at each place they would have filled; a type
requirement (``Officer``) removes every field returning it; requirements on one field from two
subgraphs (``riskScore``) must both hold; ``flag`` requires ``title``, so composition makes it
carry ``title``'s requirement too. Callers authenticate with bearer tokens
(``RUMAH_GATEWAY_TOKENS``); Apollo Gateway enforces none of this (Router-only), so the answers
are written from the rules."""

from __future__ import annotations

import json
from typing import Any

from tests.federation.harness.model import Case, Scenario, err
from tests.federation.scenarios.authorization.data import subgraphs

TOKENS = {
    "t-plain": {"role": "operator", "name": "plain"},
    "t-records": {"role": "auditor", "name": "records", "scopes": ["records:read"]},
    "t-audit": {"role": "auditor", "name": "audit", "scopes": ["audit:read"]},
    "t-all": {
        "role": "auditor",
        "name": "all",
        "scopes": ["records:read", "audit:read", "personal:read"],
    },
}
UNAUTHORIZED = "Unauthorized field or type"


def _as(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


def _each(field: str) -> list[Any]:
    return [err(f"records.{i}.{field}", UNAUTHORIZED) for i in range(2)]


def _removed(data: dict[str, Any], *paths: str) -> dict[str, Any]:
    """The answer: ``data`` plus one UNAUTHORIZED_FIELD_OR_TYPE error per removed place."""
    errors = [
        {
            "message": UNAUTHORIZED,
            "path": [int(p) if p.isdigit() else p for p in path.split(".")],
            "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
        }
        for path in paths
    ]
    return {"data": data, "errors": errors}


def _both(field: str) -> tuple[str, str]:
    return (f"records.0.{field}", f"records.1.{field}")


SCENARIO = Scenario(
    name="authorization",
    description=__doc__ or "",
    gateway_env={"RUMAH_GATEWAY_AUTH": "required", "RUMAH_GATEWAY_TOKENS": json.dumps(TOKENS)},
    no_oracle="@authenticated/@requiresScopes are enforced by Apollo Router, not Apollo Gateway",
    subgraphs=subgraphs("", 4760),
    cases=[
        Case(
            "every-scope-sees-everything",
            "{ me records { id title riskScore flag officer { nip name } } }",
            headers=_as("t-all"),
            spec={
                "data": {
                    "me": "signed in",
                    "records": [
                        {
                            "id": "r1",
                            "title": "Izin usaha Toko Sinar",
                            "riskScore": 3,
                            "flag": "checked: Izin usaha Toko Sinar",
                            "officer": {"nip": "n1", "name": "Budi"},
                        },
                        {
                            "id": "r2",
                            "title": "IMB Kantor Camat",
                            "riskScore": None,
                            "flag": "checked: IMB Kantor Camat",
                            "officer": None,
                        },
                    ],
                }
            },
        ),
        Case(
            "no-token-is-refused",
            "{ notice }",
            errors=[err(None, "Authentication required")],
            calls={"records": 0},
            spec={"errors": [{"message": "Authentication required"}]},
        ),
        Case(
            "authenticated-without-scope",
            "{ me records { id title } }",
            headers=_as("t-plain"),
            errors=_each("title"),
            calls={"records": 1, "people": 0, "audit": 0},
            spec=_removed(
                {
                    "me": "signed in",
                    "records": [{"id": "r1", "title": None}, {"id": "r2", "title": None}],
                },
                *_both("title"),
            ),
        ),
        Case(
            "alias-of-a-removed-field",
            '{ record(id: "r1") { id t: title } }',
            headers=_as("t-plain"),
            errors=[err("record.t", UNAUTHORIZED)],
            spec=_removed({"record": {"id": "r1", "t": None}}, "record.t"),
        ),
        Case(
            "type-requirement-in-another-subgraph",
            "{ records { title officer { name } } }",
            headers=_as("t-records"),
            errors=_each("officer"),
            calls={"records": 1, "people": 0},
            spec=_removed(
                {
                    "records": [
                        {"title": "Izin usaha Toko Sinar", "officer": None},
                        {"title": "IMB Kantor Camat", "officer": None},
                    ]
                },
                *_both("officer"),
            ),
        ),
        Case(
            "fragment-on-a-restricted-type",
            '{ record(id: "r1") { id officer { ... on Officer { nip } } } }',
            headers=_as("t-records"),
            errors=[err("record.officer", UNAUTHORIZED)],
            spec=_removed({"record": {"id": "r1", "officer": None}}, "record.officer"),
        ),
        Case(
            "requirements-of-two-subgraphs-one-held",
            "{ records { id riskScore } }",
            headers=_as("t-records"),
            errors=_each("riskScore"),
            spec=_removed(
                {"records": [{"id": "r1", "riskScore": None}, {"id": "r2", "riskScore": None}]},
                *_both("riskScore"),
            ),
        ),
        Case(
            "requirements-of-two-subgraphs-other-held",
            "{ records { id riskScore } }",
            headers=_as("t-audit"),
            errors=_each("riskScore"),
            calls={"audit": 0},
            spec=_removed(
                {"records": [{"id": "r1", "riskScore": None}, {"id": "r2", "riskScore": None}]},
                *_both("riskScore"),
            ),
        ),
        Case(
            "requires-field-carries-its-requirement",
            "{ records { id flag } }",
            headers=_as("t-audit"),
            errors=_each("flag"),
            calls={"audit": 0},
            spec=_removed(
                {"records": [{"id": "r1", "flag": None}, {"id": "r2", "flag": None}]},
                *_both("flag"),
            ),
        ),
        Case(
            "requires-field-with-the-scope",
            "{ records { id flag } }",
            headers=_as("t-records"),
            calls={"records": 1, "audit": 1},
            spec={
                "data": {
                    "records": [
                        {"id": "r1", "flag": "checked: Izin usaha Toko Sinar"},
                        {"id": "r2", "flag": "checked: IMB Kantor Camat"},
                    ]
                }
            },
        ),
        Case(
            "nothing-permitted-is-refused-before-any-fetch",
            '{ record(id: "r1") { officer { nip } } }',
            headers=_as("t-plain"),
            errors=[err("record.officer", UNAUTHORIZED)],
            calls={"records": 0, "people": 0, "audit": 0},
            spec={
                "errors": [
                    {
                        "message": UNAUTHORIZED,
                        "path": ["record", "officer"],
                        "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
                    }
                ]
            },
        ),
    ],
)
