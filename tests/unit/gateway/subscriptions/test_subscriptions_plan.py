"""The planner's subscription plans: ``SubscriptionNode(primary, rest)`` — the primary fetch
on the subgraph owning the subscription field, the normal entity plan as ``rest``."""

from __future__ import annotations

from graphql import parse, validate
from subs_support import supergraph_sdl

from gateway.explain import plan_to_text
from gateway.plan import FetchNode, FlattenNode, QueryPlan, SubscriptionNode
from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas


def _plan(query: str, name: str | None = None) -> SubscriptionNode:
    sg = load_supergraph(supergraph_sdl())
    document = parse(query)
    assert validate(sg.api_schema, document) == []
    node = build_planner(sg).plan(document, name).node
    assert isinstance(node, SubscriptionNode)
    schemas = build_subgraph_schemas(sg)
    for fetch in (node.primary, *([] if node.rest is None else [_only_fetch(node.rest)])):
        errors = validate(schemas[fetch.service], parse(fetch.operation))
        assert errors == [], (fetch.operation, errors)
    return node


def _only_fetch(node: object) -> FetchNode:
    assert isinstance(node, FlattenNode), node
    return node.node


def test_a_field_of_the_owning_subgraph_alone_has_no_rest() -> None:
    node = _plan("subscription { reviewAdded { id body } }")
    assert node.primary.service == "reviews"
    assert node.primary.operation_kind == "subscription"
    assert node.primary.operation == "subscription{reviewAdded{id body}}"
    assert node.rest is None


def test_fields_of_other_subgraphs_become_the_per_event_entity_plan() -> None:
    node = _plan(
        "subscription Watch($min: Int = 3) { reviewAdded(minStars: $min) "
        "{ body product { name price } } }",
        "Watch",
    )
    assert node.primary.operation == (
        "subscription Watch__reviews__0($min:Int=3){reviewAdded(minStars:$min)"
        "{body product{upc __typename}}}"
    )
    assert node.primary.variable_usages == ("min",)
    assert _rest_text(node) == [
        'Flatten(path: "reviewAdded.product") {',
        '  Fetch(service: "products") {',
        "    {",
        "      ... on Product {",
        "        __typename",
        "        upc",
        "      }",
        "    } =>",
        "    {",
        "      ... on Product {",
        "        name",
        "        price",
        "      }",
        "    }",
        "  },",
        "},",
    ]


def _rest_text(node: SubscriptionNode) -> list[str]:
    assert node.rest is not None
    text = plan_to_text(QueryPlan(node.rest)).splitlines()
    return [line[2:] for line in text[1:-1]]
