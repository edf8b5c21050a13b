"""A field of a non-entity (value) type that only another subgraph resolves: the gateway
jumps at the nearest entity ancestor (``User``) and re-selects the path (``profile { … }``),
merging objects and, for lists of value types, items by position."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph

USERS = {
    "u1": {
        "name": "Rina",
        "bio": "Pustakawan",
        "avatar": "rina.png",
        "links": [("https://a.test", 3), ("https://b.test", None)],
    },
    "u2": {"name": "Joko", "bio": None, "avatar": None, "links": []},
    "u3": {"name": "Tono", "bio": "x", "avatar": "t.png", "links": None},
}


def _accounts_user(uid: str) -> dict[str, Any]:
    u = USERS[uid]
    links = None if u["links"] is None else [{"url": url} for url, _ in u["links"]]
    return {
        "__typename": "User",
        "id": uid,
        "name": u["name"],
        "profile": {"bio": u["bio"], "links": links},
    }


def _media_user(rep: dict[str, Any]) -> dict[str, Any]:
    u = USERS[rep["id"]]
    links = None if u["links"] is None else [{"clicks": c} for _, c in u["links"]]
    return {"id": rep["id"], "profile": {"avatar": u["avatar"], "links": links}}


SCENARIO = Scenario(
    name="nested_value_types",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "accounts",
            4285,
            "accounts.graphql",
            resolvers={"Query": {"users": lambda *_: [_accounts_user(u) for u in USERS]}},
            references={"User": lambda rep: _accounts_user(rep["id"])},
        ),
        Subgraph("media", 4286, "media.graphql", references={"User": _media_user}),
    ],
    cases=[
        Case(
            "value-type-field-from-other-subgraph-via-entity",
            "{ users { name profile { bio avatar } } }",
            calls={"accounts": 1, "media": 1},
        ),
        Case(
            "value-type-only-remote-field",
            "{ users { profile { avatar } } }",
            calls={"accounts": 1, "media": 1},
        ),
        Case(
            "value-type-list-merged-by-position",
            "{ users { id profile { links { url clicks } } } }",
        ),
        Case(
            "value-type-local-fields-only",
            "{ users { profile { bio links { url } } } }",
            calls={"accounts": 1, "media": 0},
        ),
    ],
)
