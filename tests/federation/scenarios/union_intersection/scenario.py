"""A union whose members differ between the subgraphs serving a ``@shareable`` field.

``records`` knows ``Media = Report | Podcast``, ``media`` knows ``Media = Report | Video``.
A subgraph's fetch may only carry type conditions that subgraph knows: a fragment on a member
it lacks is dropped from its operation (sending it fails the subgraph's validation and nulls
the field). A shareable field answered by either subgraph can only return members both know;
fragments on other members select nothing (``{}``). Entity fields of the members are joined
from the other subgraph.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

REPORT = {"id": "r1", "title": "RKPD Serdang Bedagai 2024"}
RECORDS = {
    "r1": {"__typename": "Report", **REPORT, "recordsNote": "arsip: RKPD 2024"},
    "p2": {
        "__typename": "Podcast",
        "id": "p2",
        "title": "Suara Sergai",
        "recordsNote": "arsip: siaran 12",
    },
}
MEDIA = {
    "r1": {"__typename": "Report", **REPORT, "mediaNote": "media: ringkasan RKPD"},
    "v3": {
        "__typename": "Video",
        "id": "v3",
        "title": "Pantai Cermin",
        "mediaNote": "media: video promosi",
    },
}

SIX_TYPES = "__typename ... on Podcast { title } ... on Video { title } ... on Report { title }"
NOTES = (
    "__typename ... on Podcast { title recordsNote } ... on Video { title mediaNote } "
    "... on Report { title recordsNote mediaNote }"
)


def _records_feed(*_: Any) -> dict[str, Any]:
    return {
        "media": RECORDS["r1"],
        "recordsMedia": RECORDS["r1"],
        "report": RECORDS["r1"],
        "podcast": RECORDS["p2"],
    }


def _media_feed(*_: Any) -> dict[str, Any]:
    return {"media": MEDIA["r1"], "mediaMedia": MEDIA["v3"], "report": MEDIA["r1"]}


SCENARIO = Scenario(
    name="union_intersection",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "records",
            4265,
            "records.graphql",
            resolvers={
                "Query": {
                    "media": lambda *_: RECORDS["r1"],
                    "recordsMedia": lambda *_: RECORDS["r1"],
                    "report": lambda *_: RECORDS["r1"],
                    "podcast": lambda *_: RECORDS["p2"],
                    "feed": _records_feed,
                }
            },
            references={"Report": by_key(RECORDS, "id"), "Podcast": by_key(RECORDS, "id")},
        ),
        Subgraph(
            "media",
            4266,
            "media.graphql",
            resolvers={
                "Query": {
                    "media": lambda *_: MEDIA["r1"],
                    "mediaMedia": lambda *_: MEDIA["v3"],
                    "report": lambda *_: MEDIA["r1"],
                    "feed": _media_feed,
                }
            },
            references={"Report": by_key(MEDIA, "id"), "Video": by_key(MEDIA, "id")},
        ),
    ],
    cases=[
        Case(
            "shareable-union-fragment-on-member-one-subgraph-lacks",
            "{ media { ... on Video { title } } }",
        ),
        Case("shareable-union-fragment-on-common-member", "{ media { ... on Report { title } } }"),
        Case(
            "shareable-union-fragments-on-common-and-partial-member",
            "{ media { ... on Report { title } ... on Video { title } } }",
        ),
        Case(
            "shareable-union-fragment-on-member-neither-alone-serves",
            "{ media { ... on Podcast { title } ... on Video { title } } }",
        ),
        Case(
            "nested-shareable-unions-all-members",
            f"{{ feed {{ media {{ {SIX_TYPES} }} report {{ {SIX_TYPES} }} "
            f"podcast {{ {SIX_TYPES} }} }} }}",
        ),
        Case(
            "nested-shareable-union-fragment-on-partial-member",
            "{ feed { media { ... on Video { title } } } }",
        ),
        Case(
            "nested-shareable-union-fragments-on-common-and-partial-member",
            "{ feed { media { ... on Report { title } ... on Video { title } } } }",
        ),
        Case(
            "union-of-one-subgraph-fragment-on-member-it-lacks-with-entity-field",
            "{ recordsMedia { ... on Video { title mediaNote } } }",
            calls={"records": 1, "media": 0},
        ),
        Case(
            "union-of-one-subgraph-common-member-joined",
            "{ recordsMedia { ... on Report { title recordsNote mediaNote } } }",
            calls={"records": 1, "media": 1},
        ),
        Case(
            "nested-unions-with-entity-fields-from-both",
            f"{{ feed {{ media {{ {NOTES} }} report {{ {NOTES} }} podcast {{ {NOTES} }} }} }}",
        ),
        Case(
            "nested-unions-of-one-subgraph-each",
            "{ feed { recordsMedia { ... on Video { title mediaNote } } "
            "mediaMedia { ... on Video { title mediaNote } } } }",
        ),
        Case(
            "union-of-one-subgraph-typename-and-member-it-lacks",
            "{ mediaMedia { __typename ... on Podcast { title recordsNote } "
            "... on Video { title } } }",
            calls={"media": 1, "records": 0},
        ),
        Case(
            "named-fragment-on-partial-member",
            "query Q { media { ...V ...R } feed { mediaMedia { ...V } } } "
            "fragment V on Video { title mediaNote } fragment R on Report { id }",
        ),
    ],
)
