"""``@interfaceObject``: ratings adds fields to the ``Media`` entity interface without knowing
its implementations; representations to it carry ``__typename: "Media"``; the real type, and
``... on Book`` selections, need a hop to the subgraph owning the interface."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

MEDIA = {
    "m1": {"__typename": "Book", "id": "m1", "title": "Bumi Manusia", "author": "Pramoedya"},
    "m2": {"__typename": "Movie", "id": "m2", "title": "Gie", "director": "Riri Riza"},
    "m3": {"__typename": "Book", "id": "m3", "title": "Ronggeng", "author": None},
}
RATINGS = {
    "m1": [{"score": 5, "text": "Classic"}, {"score": 4, "text": None}],
    "m2": [{"score": 3, "text": "Slow"}],
    "m3": [],
}


def _rated(media_id: str) -> dict[str, Any]:
    scores = [r["score"] for r in RATINGS[media_id]]
    return {
        "__typename": "Media",
        "id": media_id,
        "reviews": RATINGS[media_id],
        "averageScore": sum(scores) / len(scores) if scores else None,
    }


def _media_ref(rep: dict[str, Any]) -> dict[str, Any] | None:
    # representations arrive as Media (from ratings) or as the concrete type
    return MEDIA.get(rep["id"])


SCENARIO = Scenario(
    name="interface_object",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "media",
            4230,
            "media.graphql",
            resolvers={
                "Query": {
                    "media": lambda *_: list(MEDIA.values()),
                    "book": lambda _s, _i, id: (
                        MEDIA[id] if MEDIA.get(id, {}).get("__typename") == "Book" else None
                    ),
                }
            },
            references={"Media": _media_ref, "Book": _media_ref, "Movie": _media_ref},
        ),
        Subgraph(
            "ratings",
            4231,
            "ratings.graphql",
            resolvers={"Query": {"topRated": lambda *_: [_rated("m2"), _rated("m1")]}},
            references={"Media": lambda rep: _rated(rep["id"]) if rep["id"] in RATINGS else None},
        ),
        Subgraph(
            "stock",
            4232,
            "stock.graphql",
            references={
                "Book": by_key(
                    {"m1": {"id": "m1", "copies": 2}, "m3": {"id": "m3", "copies": 0}}, "id"
                )
            },
        ),
    ],
    cases=[
        Case(
            "interface-object-fields-on-each-implementation",
            "{ media { id title averageScore reviews { score } } }",
            calls={"media": 1, "ratings": 1, "stock": 0},
        ),
        Case(
            "from-interface-object-root-only-its-fields",
            "{ topRated { id averageScore } }",
            calls={"ratings": 1, "media": 0},
        ),
        Case(
            "from-interface-object-root-interface-field",
            "{ topRated { id title } }",
            calls={"ratings": 1, "media": 1},
        ),
        Case(
            "real-typename-from-interface-object-root",
            "{ topRated { __typename id } }",
            calls={"ratings": 1, "media": 1},
        ),
        Case(
            "implementation-fragments-from-interface-object-root",
            "{ topRated { id ... on Book { author } ... on Movie { director } } }",
        ),
        Case(
            "concrete-type-to-interface-object",
            '{ book(id: "m1") { title averageScore reviews { text } } }',
        ),
        Case(
            "interface-object-then-implementation-only-subgraph",
            "{ topRated { id ... on Book { copies } } }",
            calls={"ratings": 1, "media": 1, "stock": 1},
        ),
        Case(
            "fragment-on-implementation-with-interface-object-field",
            "{ media { ... on Movie { title reviews { score text } } } }",
        ),
        Case(
            "typename-aliased-and-repeated",
            "{ topRated { kind: __typename __typename t: __typename averageScore } }",
        ),
        Case(
            "empty-list-and-null-average",
            '{ book(id: "m3") { __typename author averageScore reviews { score } copies } }',
        ),
    ],
)
