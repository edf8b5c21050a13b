"""@fromContext arguments are planned: the holder's fetch selects the context value under a
private key, and the field is fetched through _entities with the argument as a variable the
executor fills per target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from graphql import parse, validate
from test_planner_snapshots import fetches

from gateway.executor.contexts import context_batches
from gateway.executor.relations import TypeRelations
from gateway.plan import ContextInput
from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

SDL = (Path(__file__).parents[1] / "supergraph" / "fixtures" / "context_v05.graphql").read_text()
SCENARIO = Path(__file__).resolve().parents[4] / "tests/federation/scenarios/context"


def test_a_context_field_is_fetched_through_entities_with_its_argument_bound() -> None:
    sg = load_supergraph(SDL)
    plan = build_planner(sg).plan(parse("{ t { u { ... on U { field } } } }"))
    root, entity = fetches(plan.node)
    assert root.service == "a" and entity.service == "a"
    (ci,) = entity.context_inputs
    # the holder (T) selects its prop under the private key the executor will read
    assert f"{ci.key}:prop" in root.operation
    assert f"field(a:${ci.variable})" in entity.operation
    assert f"${ci.variable}:String" in entity.operation
    assert ci.paths == (("T", ()),)
    for fetch in (root, entity):
        assert validate(build_subgraph_schemas(sg)[fetch.service], parse(fetch.operation)) == []


def test_other_fields_of_the_same_supergraph_plan_without_context() -> None:
    plan = build_planner(load_supergraph(SDL)).plan(parse("{ t { prop u { id other } } }"))
    assert all(not f.context_inputs for f in fetches(plan.node))


def test_a_context_set_by_two_types_reads_the_path_of_each() -> None:
    sg = load_supergraph((SCENARIO / "supergraph.graphql").read_text())
    plan = build_planner(sg).plan(
        parse("{ me { transactions { amount } } agencies { transactions { amount } } }")
    )
    inputs = {ci for f in fetches(plan.node) for ci in f.context_inputs}
    (ci,) = inputs
    assert dict(ci.paths) == {"User": ("isoCode",), "Agency": ("isoCode",)}


@pytest.fixture
def relations() -> TypeRelations:
    return TypeRelations(
        possible={"Holder": frozenset({"User", "Agency"})}, abstract=frozenset({"Holder"})
    )


def test_targets_are_grouped_by_the_value_of_their_nearest_holder(
    relations: TypeRelations,
) -> None:
    ci = ContextInput("v", "ctx__k", (("User", ("iso",)), ("Agency", ("code",))))
    t2_a: dict[str, Any] = {"id": "t2"}
    t2_b: dict[str, Any] = {"id": "t2"}
    t3: dict[str, Any] = {"id": "t3"}
    data: dict[str, Any] = {
        "users": [
            {"__typename": "User", "ctx__k": {"iso": "IDR"}, "tx": [t2_a]},
            {"__typename": "Agency", "ctx__k": {"code": "SGD"}, "tx": [t2_b, t3]},
        ]
    }
    link_a = ((((None, "users"), 0), "tx"), 0)
    link_b = ((((None, "users"), 1), "tx"), 0)
    link_c = ((((None, "users"), 1), "tx"), 1)
    batches = context_batches(
        data, [(t2_a, link_a), (t2_b, link_b), (t3, link_c)], (ci,), relations
    )
    assert [(values, [t[0]["id"] for t in group]) for values, group in batches] == [
        ({"v": "IDR"}, ["t2"]),
        ({"v": "SGD"}, ["t2", "t3"]),
    ]


def test_no_holder_above_gives_null(relations: TypeRelations) -> None:
    ci = ContextInput("v", "ctx__k", (("User", ("iso",)),))
    target: dict[str, Any] = {"id": "t1"}
    data: dict[str, Any] = {"tx": target}
    ((values, _),) = context_batches(data, [(target, (None, "tx"))], (ci,), relations)
    assert values == {"v": None}
