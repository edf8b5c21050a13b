"""Plan snapshots (text), validity of every subgraph operation, determinism, budgets.

Regenerate snapshots after an intended change with ``RUMAH_UPDATE_SNAPSHOTS=1``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest
from graphql import parse, validate
from large_supergraph import deep_query, large_supergraph

from gateway.explain import plan_to_text
from gateway.plan import (
    ConditionNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
    SubscriptionNode,
    plan_to_json,
)
from gateway.planner import build_planner
from gateway.ports import PlanningError
from gateway.supergraph import Supergraph, load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

HERE = Path(__file__).resolve().parent
SNAPSHOTS = HERE / "snapshots"

CASES = {
    "shop-requires-provides": (
        "shop",
        "{ topProducts { name shippingEstimate reviews { body author { username name } } } }",
    ),
    "shop-named-operation-with-variables": (
        "shop",
        "query Top($n: Int = 2, $withReviews: Boolean!) { topProducts(first: $n) { name "
        "reviews @include(if: $withReviews) { body } } }",
    ),
    "abstract-type-explosion": (
        "abstract",
        "{ animals { name sound ... on Cat { owner } ... on Dog { barkVolume } } }",
    ),
    "abstract-union-members-per-graph": (
        "abstract",
        "{ search { __typename ... on Post { title likes } ... on Cat { lives } } }",
    ),
    "keys-intermediate-subgraph": ("keys", "{ stockBooks { copies price } }"),
    "keys-compound-and-nested": ("keys", "{ loans { fee member { name } } }"),
    "requires-chain": ("requires", "{ products { summary total } }"),
    "requires-two-argument-sets": ("requires", "{ products { tax usdTax } }"),
    "requires-fragments-on-interface": ("requires", "{ products { sellerLabel } }"),
    "parent-entity-call": ("parent", "{ products { name category { details } } }"),
    "shared-root-split": ("parent", "{ shop { name address rating } }"),
    "interface-object-requires": ("ifaceobj", "{ popular { titleLength tags } }"),
    "interface-object-real-typename": ("ifaceobj", "{ popular { __typename views } }"),
    "fed1-extends": ("fed1", "{ topProducts { shippingEstimate reviews { author { name } } } }"),
    "override": ("override", "{ products { name price stock } }"),
    "mutation-in-order": (
        "shop-mutations",
        'mutation { a: addReview(body: "x") { id product { name } } b: login { id } '
        'c: addReview(body: "y") { id } }',
    ),
    "subscription": ("shop-mutations", "subscription { reviewAdded { body product { name } } }"),
}


def _supergraph(name: str) -> Supergraph:
    return load_supergraph((HERE / "fixtures" / name / "supergraph.graphql").read_text())


def fetches(node: PlanNode | None) -> list[FetchNode]:
    if node is None:
        return []
    if isinstance(node, FetchNode):
        return [node]
    if isinstance(node, FlattenNode):
        return [node.node]
    if isinstance(node, SequenceNode | ParallelNode):
        return [f for n in node.nodes for f in fetches(n)]
    if isinstance(node, ConditionNode):
        return fetches(node.if_clause) + fetches(node.else_clause)
    assert isinstance(node, SubscriptionNode)
    return [node.primary, *fetches(node.rest)]


@pytest.mark.parametrize("case", sorted(CASES))
def test_plan_snapshot(case: str) -> None:
    fixture, query = CASES[case]
    sg = _supergraph(fixture)
    document = parse(query)
    assert validate(sg.api_schema, document) == []
    plan = build_planner(sg).plan(document)
    text = plan_to_text(plan) + "\n"
    path = SNAPSHOTS / f"{case}.txt"
    if os.environ.get("RUMAH_UPDATE_SNAPSHOTS") or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text()
    schemas = build_subgraph_schemas(sg)
    for fetch in fetches(plan.node):
        errors = validate(schemas[fetch.service], parse(fetch.operation))
        assert errors == [], f"{fetch.service}: {fetch.operation}: {errors[0].message}"


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_input_gives_the_same_plan(case: str) -> None:
    fixture, query = CASES[case]
    first = plan_to_json(build_planner(_supergraph(fixture)).plan(parse(query)))
    again = plan_to_json(build_planner(_supergraph(fixture)).plan(parse(query)))
    assert json.dumps(first) == json.dumps(again)


def test_named_operations_name_each_subgraph_operation() -> None:
    sg = _supergraph("shop")
    plan = build_planner(sg).plan(
        parse("query Top { topProducts { name inStock } }"), operation_name="Top"
    )
    names = [f.operation_name for f in fetches(plan.node)]
    assert names == ["Top__products__0", "Top__inventory__1"]


def test_only_used_variables_are_declared_with_their_defaults() -> None:
    sg = _supergraph("shop")
    plan = build_planner(sg).plan(
        parse(
            "query($n: Int = 1, $unused: String, $x: Boolean!) { topProducts(first: $n) "
            "{ name inStock @skip(if: $x) } }"
        )
    )
    root, entity = fetches(plan.node)
    assert root.operation.startswith("query($n:Int=1)")
    assert root.variable_usages == ("n",)
    assert "$x:Boolean!" in entity.operation and "$unused" not in entity.operation


def test_unplannable_operation_raises_planning_error() -> None:
    sdl = (HERE / "fixtures" / "keys" / "supergraph.graphql").read_text()
    # make the only key into people unusable: Author.name becomes unreachable
    before = 'type Author\n  @join__type(graph: PEOPLE, key: "id")\n'
    assert before in sdl
    sdl = sdl.replace(
        before, 'type Author\n  @join__type(graph: PEOPLE, key: "id", resolvable: false)\n'
    )
    sg = load_supergraph(sdl)
    planner = build_planner(sg)
    planner.plan(parse("{ books { author { id } } }"))
    with pytest.raises(PlanningError, match="name"):
        planner.plan(parse("{ books { author { name } } }"))


def test_introspection_and_root_typename_need_no_subgraph() -> None:
    sg = _supergraph("shop")
    plan = build_planner(sg).plan(parse("{ __typename __schema { queryType { name } } }"))
    assert plan.node is None


def test_planning_a_deep_query_on_a_large_supergraph_is_bounded() -> None:
    sg = load_supergraph(large_supergraph(graphs=12, types=40))
    planner = build_planner(sg)
    document = parse(deep_query(depth=8, graphs=12))
    assert validate(sg.api_schema, document) == []
    started = time.perf_counter()
    plan = planner.plan(document)
    elapsed = time.perf_counter() - started
    assert len(fetches(plan.node)) == 1 + 8 * 11  # one root fetch, 11 joins per level
    assert elapsed < 3.0, f"planning took {elapsed:.2f}s"


def test_typical_query_plans_in_milliseconds() -> None:
    sg = _supergraph("shop")
    planner = build_planner(sg)
    document = parse(CASES["shop-requires-provides"][1])
    planner.plan(document)
    started = time.perf_counter()
    for _ in range(20):
        planner.plan(document)
    per_plan = (time.perf_counter() - started) / 20
    assert per_plan < 0.05, f"{per_plan * 1000:.1f} ms per plan"


def test_work_budget_turns_into_a_planning_error() -> None:
    from gateway.planner import FederatedPlanner

    sg = load_supergraph(large_supergraph(graphs=12, types=40))
    planner = FederatedPlanner(sg, max_steps=50)
    with pytest.raises(PlanningError, match="budget"):
        planner.plan(parse(deep_query(depth=8, graphs=12)))


def test_fragments_spread_exponentially_often_normalise_once() -> None:
    sg = _supergraph("shop")
    depth = 24  # 2**24 inlined copies if each spread were expanded separately
    fragments = [
        f"fragment F{i} on Product {{ name ...F{i + 1} ...F{i + 1} }}" for i in range(depth)
    ]
    fragments.append(f"fragment F{depth} on Product {{ upc inStock }}")
    document = parse("{ topProducts { ...F0 } } " + " ".join(fragments))
    started = time.perf_counter()
    plan = build_planner(sg).plan(document)
    assert time.perf_counter() - started < 1.0
    assert [f.service for f in fetches(plan.node)] == ["products", "inventory"]
