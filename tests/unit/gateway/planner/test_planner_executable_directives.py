"""Executable directives of the subgraphs (a client's ``@format`` on a field) travel to the
subgraph resolving the field as written — arguments left out stay out, so the subgraph
applies its own defaults — with the variables they use declared in the subgraph operation."""

from __future__ import annotations

from pathlib import Path

from graphql import parse, validate
from test_planner_snapshots import fetches

from gateway.planner import build_planner
from gateway.supergraph import load_supergraph
from gateway.supergraph.subgraphs import build_subgraph_schemas

SCENARIO = Path(__file__).resolve().parents[4] / "tests/federation/scenarios/directive_defaults"


def _operations(query: str) -> dict[str, str]:
    sg = load_supergraph((SCENARIO / "supergraph.graphql").read_text())
    plan = build_planner(sg).plan(parse(query))
    schemas = build_subgraph_schemas(sg)
    out: dict[str, str] = {}
    for fetch in fetches(plan.node):
        assert validate(schemas[fetch.service], parse(fetch.operation)) == []
        out[fetch.service] = fetch.operation
    return out


def test_directive_without_arguments_is_forwarded_without_defaults() -> None:
    ops = _operations("{ greeting @format }")
    assert "greeting@format" in ops["content"].replace(" ", "")
    assert "suffix" not in ops["content"] and "upper" not in ops["content"]


def test_directive_reaches_the_entity_fetch_of_the_field_it_sits_on() -> None:
    ops = _operations('{ article(id: "a1") { title summary @format(suffix: "~") } }')
    assert "@format" not in ops["content"]
    assert '@format(suffix: "~")' in ops["extras"]


def test_variables_of_a_directive_are_declared_in_the_subgraph_operation() -> None:
    ops = _operations('query($s: String) { article(id: "a1") { summary @format(suffix: $s) } }')
    assert "$s:String" in ops["extras"].replace(" ", "")
    assert "@format(suffix: $s)" in ops["extras"]
    assert "$s" not in ops["content"]


def test_skip_and_include_are_conditions_not_forwarded_field_directives() -> None:
    # the gateway turns @skip/@include into a condition fragment; only @format stays on the
    # field (the same directive twice on one field would be a subgraph validation error)
    ops = _operations('query($v: Boolean!) { article(id: "a1") { summary @format @skip(if: $v) } }')
    assert "...@skip(if:$v){summary@format}" in ops["extras"].replace(" ", "")


def test_operation_directive_reaches_every_fetch_with_its_variables() -> None:
    ops = _operations(
        'query Q($c: String) @lang(code: $c) { greeting article(id: "a1") { title summary } }'
    )
    for service in ("content", "extras"):
        compact = ops[service].replace(" ", "")
        assert "@lang(code:$c)" in compact
        assert "$c:String" in compact


def test_operation_directive_without_arguments_keeps_the_subgraph_default() -> None:
    ops = _operations("query @lang { greeting }")
    assert ops["content"].replace(" ", "").startswith("query@lang{")
