"""@authenticated / @requiresScopes / @policy enforced like Apollo Router: the operation is
rewritten before planning, removed paths come back null with UNAUTHORIZED_FIELD_OR_TYPE
errors where they would have been, nothing permitted is refused before any subgraph is
called, and prepared plans are cached per grants (not per principal)."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from graphql import FieldNode, OperationDefinitionNode, parse, print_ast

from gateway.auth import Principal
from gateway.auth.authorize import AuthorizationRules, Grants, filter_operation, unauthorized_errors
from gateway.ports import SubgraphRequest
from gateway.request.pipeline import GraphQLRequest, Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import build_state

FIXTURE = Path(__file__).parents[1] / "compose" / "fixtures" / "ok_authorization" / "apollo.json"
SUPERGRAPH = json.loads(FIXTURE.read_text())["supergraph"]

DATA = {
    "employees": [
        {"__typename": "Employee", "nip": "1", "name": "Ani", "rank": "JUNIOR"},
        {"__typename": "Employee", "nip": "2", "name": "Budi", "rank": "SENIOR"},
    ],
    "me": {"__typename": "Employee", "nip": "1", "name": "Ani", "rank": "JUNIOR"},
    "audit": "ok",
    "positions": [{"__typename": "Position", "id": "p1", "title": "Kepala"}],
}


def project(value: Any, selections: Any) -> Any:
    """What a subgraph answers: only the fields the (filtered) query asks for."""
    if isinstance(value, list):
        return [project(v, selections) for v in value]
    if not isinstance(value, dict) or selections is None:
        return value
    out: dict[str, Any] = {}
    for s in selections.selections:
        if isinstance(s, FieldNode):
            key = (s.alias or s.name).value
            out[key] = project(value.get(s.name.value), s.selection_set)
        else:
            out.update(project(value, s.selection_set))
    return out


class Subgraphs:
    def __init__(self) -> None:
        self.requests: list[SubgraphRequest] = []

    async def fetch(self, request: SubgraphRequest) -> Any:
        self.requests.append(request)
        [operation] = [
            d for d in parse(request.query).definitions if isinstance(d, OperationDefinitionNode)
        ]
        return {"data": project(DATA, operation.selection_set)}


@pytest.fixture
def gateway() -> tuple[Any, Subgraphs, Pipeline]:
    subgraphs = Subgraphs()
    state = build_state(SUPERGRAPH, lambda _s: subgraphs)
    return state, subgraphs, Pipeline(PrepareConfig())


def principal(
    *scopes: str, roles: tuple[str, ...] = ("integrator",), opd: str | None = "DPMPTSP"
) -> Principal:
    return Principal("someone", frozenset(roles), frozenset(scopes), opd)


ANONYMOUS = Principal("anonymous", issuer="none")


async def test_the_supergraph_rules_are_read_with_their_scopes(gateway: Any) -> None:
    state, _, _ = gateway
    rules: AuthorizationRules = state.authorization
    assert rules.scopes == {"personnel:read", "personal:read", "auditor:all", "finance:read"}
    assert rules.policies == {"role:auditor", "role:operator", "opd"}
    grants = rules.grants(principal("personnel:read", "unrelated:scope"))
    assert grants == Grants(True, frozenset({"personnel:read"}), frozenset({"opd"}))
    assert rules.grants(ANONYMOUS) == Grants()


async def test_fields_without_the_scope_are_null_with_errors_at_their_paths(gateway: Any) -> None:
    state, subgraphs, pipeline = gateway
    request = GraphQLRequest("{ employees { nip rank name } }")
    outcome = await pipeline.run(state, request, principal=principal("personnel:read"))
    # `name: String!` inside `[Employee!]!`: its null propagates to the root, exactly as a
    # subgraph's null would; the error still says which field was withheld
    assert outcome.body["data"] is None
    unauthorized = [
        e
        for e in outcome.body["errors"]
        if e.get("extensions", {}).get("code") == "UNAUTHORIZED_FIELD_OR_TYPE"
    ]
    assert unauthorized == [
        {
            "message": "Unauthorized field or type",
            "path": ["employees", "name"],
            "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
        }
    ]
    [sent] = subgraphs.requests
    assert "name" not in sent.query and "rank" in sent.query  # removed before planning


async def test_a_nullable_removed_field_leaves_the_rest_and_one_error_per_item(
    gateway: Any,
) -> None:
    state, subgraphs, pipeline = gateway
    outcome = await pipeline.run(
        state, GraphQLRequest("{ positions { id title } }"), principal=principal("registry:read")
    )
    assert outcome.body["data"] == {"positions": [{"id": "p1", "title": None}]}
    assert outcome.body["errors"] == [
        {
            "message": "Unauthorized field or type",
            "path": ["positions", 0, "title"],
            "extensions": {"code": "UNAUTHORIZED_FIELD_OR_TYPE"},
        }
    ]


async def test_policies_are_evaluated_from_the_principal(gateway: Any) -> None:
    state, _, pipeline = gateway
    query = GraphQLRequest("{ audit positions { id } }")
    auditor = principal(roles=("auditor",), opd=None)
    assert (await pipeline.run(state, query, principal=auditor)).body == {
        "data": {"audit": "ok", "positions": [{"id": "p1"}]}
    }
    operator_without_opd = principal(roles=("operator",), opd=None)
    body = (await pipeline.run(state, query, principal=operator_without_opd)).body
    assert body["data"]["audit"] is None and body["errors"][0]["path"] == ["audit"]
    operator_of_an_opd = principal(roles=("operator",), opd="BKD")  # [role:operator AND opd]
    assert (await pipeline.run(state, query, principal=operator_of_an_opd)).body["data"][
        "audit"
    ] == "ok"


async def test_authenticated_fields_need_a_credential(gateway: Any) -> None:
    state, subgraphs, pipeline = gateway
    query = GraphQLRequest("{ positions { id } me { rank } }")
    body = (await pipeline.run(state, query, principal=ANONYMOUS)).body
    assert body["data"] == {"positions": [{"id": "p1"}], "me": None}
    assert body["errors"][0]["path"] == ["me"]


async def test_nothing_permitted_is_refused_before_any_subgraph_is_called(gateway: Any) -> None:
    state, subgraphs, pipeline = gateway
    outcome = await pipeline.run(
        state, GraphQLRequest("{ employees { nip } me { rank } }"), principal=ANONYMOUS
    )
    assert outcome.status == 403 and "data" not in outcome.body
    assert {tuple(e["path"]) for e in outcome.body["errors"]} == {("employees",), ("me",)}
    assert subgraphs.requests == []


async def test_plans_are_cached_per_grants_never_shared_across_them(gateway: Any) -> None:
    state, subgraphs, pipeline = gateway
    query = GraphQLRequest("{ positions { id title } }")
    full = principal("personnel:read")
    assert (await pipeline.run(state, query, principal=full)).body == {
        "data": {"positions": [{"id": "p1", "title": "Kepala"}]}
    }
    limited = (await pipeline.run(state, query, principal=principal("registry:read"))).body
    assert limited["data"] == {"positions": [{"id": "p1", "title": None}]}
    other_subject_same_grants = Principal(
        "another", frozenset({"integrator"}), frozenset({"personnel:read", "x"}), "BKD"
    )
    assert (await pipeline.run(state, query, principal=other_subject_same_grants)).body["data"][
        "positions"
    ][0]["title"] == "Kepala"
    assert len(state.operations) == 2  # one plan per distinct grants, whoever the subject


def _filtered(state: Any, query: str, grants: Grants) -> Any:
    document = parse(query)
    [operation] = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    return filter_operation(
        state.supergraph.api_schema, operation, fragments, state.authorization, grants
    )


SIGNED_IN = Grants(True, frozenset({"personnel:read"}))
ANONYMOUS_GRANTS = Grants(False, frozenset({"personnel:read"}))


@pytest.mark.parametrize(
    ("query", "grants", "kept", "removed"),
    [
        ("{ employees { nip } }", SIGNED_IN, "", None),
        (
            "{ employees { ...E } } fragment E on Employee { nip name }",
            SIGNED_IN,
            "{ employees { ... on Employee { nip } } }",
            [("employees", "name")],
        ),
        (
            "{ employees { ... on Employee { n: name rank } } }",
            SIGNED_IN,
            "{ employees { ... on Employee { rank } } }",
            [("employees", "n")],
        ),
        (
            "{ employees { rank @include(if: true) name } }",
            SIGNED_IN,
            "{ employees { rank @include(if: true) } }",
            [("employees", "name")],
        ),
        ("{ me { nip } positions { id } }", ANONYMOUS_GRANTS, "{ positions { id } }", [("me",)]),
        (
            "{ employees { nip rank } }",
            ANONYMOUS_GRANTS,
            "{ employees { nip } }",
            [("employees", "rank")],
        ),  # enum Rank @authenticated
        ("{ __typename employees { __typename } }", SIGNED_IN, "", None),
        ("{ __typename employees { __typename } }", Grants(), "{ __typename }", [("employees",)]),
    ],
)
def test_the_rewrite_removes_exactly_what_is_not_permitted(
    gateway: Any, query: str, grants: Grants, kept: str, removed: Any
) -> None:
    state, _, _ = gateway
    result = _filtered(state, query, grants)
    if removed is None:
        assert result is None
        return
    assert print_ast(result.document).split() == print_ast(parse(kept)).split()
    assert list(result.unauthorized) == removed


def test_errors_are_placed_at_every_concrete_location_and_once_when_there_is_none() -> None:
    data = {"a": [{"b": {"c": 1}}, {"b": None}, {"b": {"c": 2}}], "d": None}
    errors = unauthorized_errors([("a", "b", "c"), ("d", "e")], data)
    assert [e["path"] for e in errors] == [["a", 0, "b", "c"], ["a", 2, "b", "c"], ["d", "e"]]
