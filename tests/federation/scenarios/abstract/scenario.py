"""Interfaces and unions whose members live in different subgraphs: per-subgraph member sets,
fragments on members a subgraph cannot return (``{}``), entity fields of members joined from
the other subgraph, named fragments on members and on the interface."""

from __future__ import annotations

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

PRODUCTS = {
    "p1": {"id": "p1", "name": "Keris", "price": 300},
    "p2": {"id": "p2", "name": "Wayang", "price": None},
}
ARTICLES = {"a1": {"__typename": "Article", "id": "a1", "headline": "Sergai goes digital"}}
VIDEOS = {"v1": {"__typename": "Video", "id": "v1", "url": "https://example.test/v1"}}


def _p(pid: str, full: bool) -> dict[str, object]:
    base: dict[str, object] = {"__typename": "Product", "id": pid}
    return {**base, **PRODUCTS[pid]} if full else base


SCENARIO = Scenario(
    name="abstract",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "search",
            4235,
            "search.graphql",
            resolvers={
                "Query": {
                    "search": lambda _s, _i, term: (
                        [_p("p1", False), ARTICLES["a1"], _p("p2", False)] if term else []
                    ),
                    "nodes": lambda *_: [ARTICLES["a1"], _p("p2", False)],
                }
            },
            references={
                "Product": lambda rep: _p(rep["id"], False) if rep["id"] in PRODUCTS else None,
                "Article": by_key(ARTICLES, "id"),
            },
        ),
        Subgraph(
            "shop",
            4236,
            "shop.graphql",
            resolvers={
                "Query": {
                    "suggestions": lambda *_: [VIDEOS["v1"], _p("p1", True)],
                    "shopNodes": lambda *_: [_p("p2", True), VIDEOS["v1"]],
                    "featuredNode": lambda *_: VIDEOS["v1"],
                }
            },
            references={
                "Product": lambda rep: _p(rep["id"], True) if rep["id"] in PRODUCTS else None,
                "Video": by_key(VIDEOS, "id"),
            },
        ),
    ],
    cases=[
        Case(
            "union-members-from-both-subgraphs",
            '{ search(term: "sergai") { __typename ... on Product { id name price } '
            "... on Article { headline } ... on Video { url } } }",
            calls={"search": 1, "shop": 1},
        ),
        Case(
            "union-fragment-on-member-the-subgraph-lacks",
            "{ suggestions { ... on Article { headline } ... on Video { url } } }",
            calls={"shop": 1, "search": 0},
        ),
        Case(
            "union-typename-only",
            '{ search(term: "x") { __typename } suggestions { __typename } }',
        ),
        Case(
            "union-empty-list",
            '{ search(term: "") { ... on Product { name } } }',
            calls={"search": 1, "shop": 0},
        ),
        Case(
            "interface-field-and-implementation-fields",
            "{ nodes { id ... on Product { name } ... on Article { headline } } }",
        ),
        Case(
            "interface-implementations-from-other-subgraph",
            "{ shopNodes { __typename id ... on Video { url } ... on Article { headline } } }",
            calls={"shop": 1, "search": 0},
        ),
        Case(
            "interface-spread-inside-union",
            '{ search(term: "x") { ... on Node { id } ... on Product { price } } }',
        ),
        Case(
            "named-fragments-on-members-and-interface",
            "query Q { suggestions { ...P ...V } shopNodes { ...N } } "
            "fragment P on Product { name } fragment V on Video { url } "
            "fragment N on Node { id __typename }",
        ),
        Case(
            "nullable-interface-root-field",
            "{ featuredNode { id ... on Product { name } ... on Video { url } } }",
        ),
    ],
)
