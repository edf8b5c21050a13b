"""Abstract types whose members differ per subgraph: each fetch carries only type conditions
its subgraph knows (its own ``@join__field(type:)`` included), and a shareable field's
fragments on members not every candidate subgraph can return are sent nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import parse, validate
from test_planner_snapshots import fetches

from gateway.planner import build_planner
from gateway.planner.localtypes import named_type
from gateway.supergraph import Supergraph, load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

SCENARIO = Path(__file__).resolve().parents[4] / "tests/federation/scenarios/union_intersection"
ALL = "__typename ... on Podcast { title } ... on Video { title } ... on Report { title }"

QUERIES = [
    "{ media { ... on Video { title } } }",
    "{ media { ... on Podcast { title } ... on Video { title } ... on Report { title } } }",
    f"{{ feed {{ media {{ {ALL} }} report {{ {ALL} }} podcast {{ {ALL} }} }} }}",
    "{ feed { report { ... on Report { title recordsNote mediaNote } } } }",
    "{ recordsMedia { ... on Video { title mediaNote } } }",
    "{ mediaMedia { __typename ... on Podcast { title recordsNote } ... on Video { title } } }",
    "query Q { media { ...V } feed { mediaMedia { ...V } report { ...V } } } "
    "fragment V on Video { title mediaNote }",
]


@pytest.fixture(scope="module")
def sg() -> Supergraph:
    return load_supergraph((SCENARIO / "supergraph.graphql").read_text())


@pytest.mark.parametrize("query", QUERIES)
def test_every_fetch_is_valid_in_its_subgraph(sg: Supergraph, query: str) -> None:
    plan = build_planner(sg).plan(parse(query))
    for fetch in fetches(plan.node):
        errors = validate(build_subgraph_schemas(sg)[fetch.service], parse(fetch.operation))
        assert errors == [], f"{fetch.service}: {fetch.operation}: {errors[0].message}"


def test_a_field_typed_narrower_in_one_subgraph_is_fetched_with_that_type(sg: Supergraph) -> None:
    # Feed.podcast exists only in records, so records answers Feed.report too: Report
    # there, FeedMedia (Report | Video) in media
    query = f"{{ feed {{ podcast {{ __typename }} report {{ {ALL} }} }} }}"
    plan = build_planner(sg).plan(parse(query))
    (fetch,) = fetches(plan.node)
    assert fetch.service == "records"
    assert "Podcast" not in fetch.operation and "Video" not in fetch.operation
    assert "report{__typename ... on Report{__typename title}}" in fetch.operation


def test_shareable_field_drops_members_not_every_subgraph_returns(sg: Supergraph) -> None:
    # Query.media is Report|Podcast in records and Report|Video in media: only Report is
    # certain, whichever subgraph answers, so neither fragment is sent anywhere.
    plan = build_planner(sg).plan(
        parse("{ media { ... on Podcast { title } ... on Video { title } } }")
    )
    (fetch,) = fetches(plan.node)
    assert "Podcast" not in fetch.operation and "Video" not in fetch.operation
    assert "__typename" in fetch.operation


def test_a_field_of_one_subgraph_keeps_all_its_own_members(sg: Supergraph) -> None:
    plan = build_planner(sg).plan(parse("{ mediaMedia { ... on Video { title mediaNote } } }"))
    (fetch,) = fetches(plan.node)
    assert fetch.service == "media" and "... on Video{title mediaNote}" in fetch.operation


def test_named_type_strips_list_and_non_null() -> None:
    assert named_type("[Report!]!") == "Report"
    assert named_type("FeedMedia") == "FeedMedia"


PARTIAL = Path(__file__).resolve().parents[4] / "tests/federation/scenarios/partial_unions"
STEPS = "steps { __typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b } }"


@pytest.fixture(scope="module")
def partial() -> Supergraph:
    return load_supergraph((PARTIAL / "supergraph.graphql").read_text())


def test_a_path_of_one_subgraph_keeps_that_subgraphs_members(partial: Supergraph) -> None:
    # rootA exists only in primary: Wrapper.steps is shareable, but no other subgraph answers
    # this path without an entity jump, so primary's OnlyA stays in its fetch.
    plan = build_planner(partial).plan(parse(f"{{ rootA {{ wrapper {{ {STEPS} }} }} }}"))
    (fetch,) = fetches(plan.node)
    assert fetch.service == "primary"
    assert "... on OnlyA{a}" in fetch.operation and "OnlyB" not in fetch.operation


def test_a_shared_path_keeps_only_members_common_to_its_subgraphs(partial: Supergraph) -> None:
    # shared/wrapper/steps are shareable in both: either subgraph may answer, so only Common
    # (known to both) can reach the client.
    plan = build_planner(partial).plan(parse(f"{{ shared {{ wrapper {{ {STEPS} }} }} }}"))
    (fetch,) = fetches(plan.node)
    assert "... on Common{label}" in fetch.operation
    assert "OnlyA" not in fetch.operation and "OnlyB" not in fetch.operation


def test_an_interface_fragment_reaches_members_implementing_it_elsewhere(
    partial: Supergraph,
) -> None:
    # Oven implements Node only in secondary; primary's fetch asks ... on Oven { id } instead
    # of a spread of Node that primary would reject for Oven.
    plan = build_planner(partial).plan(parse("{ products { ... on Node { id } } }"))
    (fetch,) = fetches(plan.node)
    assert fetch.service == "primary" and "... on Oven{id}" in fetch.operation
    errors = validate(build_subgraph_schemas(partial)["primary"], parse(fetch.operation))
    assert errors == []
