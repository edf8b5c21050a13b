"""``@provides`` returns only what the client asked: a provided entity answers just the
selected provided fields (not the whole provided set, not the key or ``__typename`` the
gateway adds for a join, not what a subgraph answers without being asked: mode
``extra_fields``), provided and non-provided fields of one entity, the same entity type
on paths providing other fields or none, nested provided objects."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

USERS = {
    "u1": {
        "id": "u1",
        "name": "Siti",
        "email": "siti@sergai.go.id",
        "profile": {"handle": "siti", "bio": "Analis Bappeda"},
        "nip": "198501012010012001",
    },
    "u2": {
        "id": "u2",
        "name": "Rudi",
        "email": None,
        "profile": None,
        "nip": "199002022015031002",
    },
}
POSTS = [
    {"id": "p1", "title": "RKPD 2026", "author": "u1", "reviewer": "u2", "editor": "u2"},
    {"id": "p2", "title": "Realisasi APBD", "author": "u2", "reviewer": None, "editor": "u1"},
]


def _user(user_id: str | None) -> dict[str, Any] | None:
    # the providing subgraph holds a full copy: it answers whatever the query selects
    return None if user_id is None else {"__typename": "User", **USERS[user_id]}


def _post(p: dict[str, Any]) -> dict[str, Any]:
    return {
        "__typename": "Post",
        "id": p["id"],
        "title": p["title"],
        "author": _user(p["author"]),
        "reviewer": _user(p["reviewer"]),
        "editor": {"__typename": "User", "id": p["editor"]},
    }


SCENARIO = Scenario(
    name="provides_requested",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "posts",
            4720,
            "posts.graphql",
            resolvers={"Query": {"posts": lambda *_: [_post(p) for p in POSTS]}},
            references={"Post": by_key({p["id"]: _post(p) for p in POSTS}, "id")},
        ),
        Subgraph(
            "users",
            4721,
            "users.graphql",
            resolvers={"Query": {"users": lambda *_: [_user(u) for u in USERS]}},
            references={"User": by_key({k: _user(k) for k in USERS}, "id")},
        ),
    ],
    cases=[
        Case(
            "one-provided-field-only",
            "{ posts { author { name } } }",
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "other-provided-field-only",
            "{ posts { title author { email } } }",
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "nested-provided-field-only",
            "{ posts { author { profile { handle } } } }",
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "provided-and-non-provided-no-key-leak",
            "{ posts { author { name nip } } }",
            calls={"posts": 1, "users": 1},
        ),
        Case(
            "nested-provided-and-non-provided",
            "{ posts { author { profile { handle bio } } } }",
            calls={"posts": 1, "users": 1},
        ),
        Case(
            "path-providing-another-field-joins",
            "{ posts { reviewer { name email } } }",
            calls={"posts": 1, "users": 1},
        ),
        Case(
            "path-providing-nothing-joins",
            "{ posts { editor { name } } }",
            calls={"posts": 1, "users": 1},
        ),
        Case(
            "provided-and-non-provided-paths-together",
            "{ posts { id author { name } reviewer { email } editor { email } } }",
            calls={"posts": 1, "users": 1},
        ),
        Case(
            "aliases-and-fragments-on-provided-fields",
            "{ posts { author { n: name ... on User { email } ...P } } } "
            "fragment P on User { profile { h: handle } }",
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "typename-and-key-only",
            "{ posts { author { __typename id } } }",
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "subgraph-answering-unrequested-fields-does-not-leak",
            "{ posts { author { name } } }",
            modes={"posts": "extra_fields"},
            calls={"posts": 1, "users": 0},
        ),
        Case(
            "unrequested-fields-from-both-fetches-do-not-leak",
            "{ posts { title author { name profile { bio } } editor { name } } }",
            modes={"posts": "extra_fields", "users": "extra_fields"},
            calls={"posts": 1},
        ),
        Case(
            "owner-root-field",
            "{ users { name email } }",
            calls={"posts": 0, "users": 1},
        ),
    ],
)
