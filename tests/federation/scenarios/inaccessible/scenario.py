"""``@inaccessible``: fields, types, arguments, input fields and enum values hidden from the API
schema (validation errors, nothing sent to subgraphs); an inaccessible enum value produced by a
subgraph; an inaccessible field still usable by ``@requires``; introspection hides them."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err
from tests.federation.harness.subgraph import by_key

USERS = {
    "u1": {"id": "u1", "name": "Siti", "role": "ADMIN", "secret": "abc"},
    "u2": {"id": "u2", "name": "Rudi", "role": "MEMBER", "secret": "hello"},
    "u3": {"id": "u3", "name": "cron", "role": "SYSTEM", "secret": None},
}


def _users(_s: Any, _i: Any, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    prefix = (filter or {}).get("namePrefix") or ""
    return [u for u in USERS.values() if u["name"].startswith(prefix)]


_ENUM_NOTE = (
    "SYSTEM is not a value of Role in the API schema: serialising it is a field error (null "
    "plus an error at the field's path, GraphQL spec 'Enums: Result Coercion'); Apollo Gateway "
    "returns null silently."
)

NO_CALLS = {"users": 0, "scores": 0}

SCENARIO = Scenario(
    name="inaccessible",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "users",
            4240,
            "users.graphql",
            resolvers={
                "Query": {
                    "users": _users,
                    "user": lambda _s, _i, id, legacyId=None: USERS.get(id),
                    "byRole": lambda _s, _i, role: [u for u in USERS.values() if u["role"] == role],
                }
            },
            references={"User": by_key(USERS, "id")},
        ),
        Subgraph(
            "scores",
            4241,
            "scores.graphql",
            resolvers={
                "User": {"score": lambda u, _i: None if u["secret"] is None else len(u["secret"])}
            },
            references={"User": lambda rep: rep},
        ),
    ],
    cases=[
        Case("accessible-fields", "{ users { id name } }"),
        Case(
            "inaccessible-field-is-a-validation-error",
            "{ users { id secret } }",
            errors=[err(None, 'Cannot query field "secret" on type "User"')],
            calls=NO_CALLS,
        ),
        Case(
            "inaccessible-root-field",
            "{ internals { note } }",
            errors=[err(None, 'Cannot query field "internals" on type "Query"')],
            calls=NO_CALLS,
        ),
        Case(
            "inaccessible-type-in-fragment",
            "{ users { id ... on Internal { note } } }",
            errors=[err(None, 'Unknown type "Internal"')],
            calls=NO_CALLS,
        ),
        Case(
            "inaccessible-argument",
            '{ user(id: "u1", legacyId: 7) { name } }',
            errors=[err(None, 'Unknown argument "legacyId"')],
            calls=NO_CALLS,
        ),
        Case(
            "inaccessible-input-field",
            '{ users(filter: {namePrefix: "S", includeSystem: true}) { name } }',
            errors=[err(None, "includeSystem")],
            calls=NO_CALLS,
        ),
        Case(
            "accessible-input-field",
            '{ users(filter: {namePrefix: "R"}) { name } }',
        ),
        Case(
            "inaccessible-enum-value-as-literal-input",
            "{ byRole(role: SYSTEM) { name } }",
            errors=[err(None, "SYSTEM")],
            calls=NO_CALLS,
        ),
        Case(
            "inaccessible-enum-value-as-variable",
            "query($r: Role!) { byRole(role: $r) { name } }",
            variables={"r": "SYSTEM"},
            errors=[err(None, "SYSTEM")],
            calls=NO_CALLS,
        ),
        Case(
            "accessible-enum-value-as-variable",
            "query($r: Role!) { byRole(role: $r) { id role } }",
            variables={"r": "ADMIN"},
        ),
        Case(
            "inaccessible-enum-value-as-output",
            '{ user(id: "u3") { name role } }',
            errors=[err("user.role", "Role")],
            spec={
                "data": {"user": {"name": "cron", "role": None}},
                "errors": [
                    {
                        "message": 'Enum "Role" cannot represent value: "SYSTEM"',
                        "path": ["user", "role"],
                    }
                ],
            },
            note=_ENUM_NOTE,
        ),
        Case(
            "inaccessible-enum-value-as-output-in-list",
            "{ users { name role } }",
            errors=[err("users.2.role", "Role")],
            spec={
                "data": {
                    "users": [
                        {"name": "Siti", "role": "ADMIN"},
                        {"name": "Rudi", "role": "MEMBER"},
                        {"name": "cron", "role": None},
                    ]
                },
                "errors": [
                    {
                        "message": 'Enum "Role" cannot represent value: "SYSTEM"',
                        "path": ["users", 2, "role"],
                    }
                ],
            },
            note=_ENUM_NOTE,
        ),
        Case(
            "requires-uses-inaccessible-field",
            "{ users { name score } }",
            calls={"users": 1, "scores": 1},
        ),
        Case(
            "introspection-hides-inaccessible-elements",
            '{ user: __type(name: "User") { fields { name } } '
            'role: __type(name: "Role") { enumValues { name } } '
            'internal: __type(name: "Internal") { name } '
            'filter: __type(name: "UserFilter") { inputFields { name } } '
            'query: __type(name: "Query") { fields { name args { name } } } }',
            calls=NO_CALLS,
        ),
    ],
)
