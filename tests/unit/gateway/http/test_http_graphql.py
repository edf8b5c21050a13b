"""GraphQL-over-HTTP behaviour of /graphql: methods, content types, status codes, errors."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlencode

import orjson
import pytest
from http_driver import call, harness, stub_state

from gateway.http.graphql_endpoint import EndpointOptions
from gateway.ports import SubgraphRequest
from gateway.request import pipeline as pipeline_module
from gateway.request.limits import Limits
from gateway.request.prepare import PrepareConfig

GRJ = "application/graphql-response+json"


class Subgraph:
    """Answers every query with canned data; records requests."""

    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.data = data if data is not None else {"hello": "world"}
        self.requests: list[SubgraphRequest] = []

    async def fetch(self, request: SubgraphRequest) -> dict[str, Any]:
        self.requests.append(request)
        return {"data": self.data}


async def test_post_json_query() -> None:
    h = harness(Subgraph())
    r = await call(h.app, json={"query": "{ hello }"})
    assert r.status == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == {"data": {"hello": "world"}}


async def test_get_query_with_variables_and_operation_name() -> None:
    sub = Subgraph({"user": {"id": "1", "name": "Ann"}})
    h = harness(sub)
    qs = urlencode(
        {
            "query": "query Q($id: ID!) { user(id: $id) { name } } query Other { hello }",
            "operationName": "Q",
            "variables": '{"id": "1"}',
        }
    ).encode()
    r = await call(h.app, "GET", query_string=qs)
    assert r.status == 200
    assert r.json() == {"data": {"user": {"name": "Ann"}}}
    assert sub.requests[0].variables == {"id": "1"}


async def test_mutation_over_get_is_405_and_not_executed() -> None:
    sub = Subgraph()
    h = harness(sub)
    qs = urlencode({"query": 'mutation { rename(name: "x") { id } }'}).encode()
    r = await call(h.app, "GET", query_string=qs)
    assert r.status == 405
    assert r.headers["allow"] == "GET, POST"
    assert "errors" in r.json()
    assert sub.requests == []


async def test_validation_error_has_locations_and_never_reaches_a_subgraph() -> None:
    sub = Subgraph()
    h = harness(sub)
    r = await call(h.app, json={"query": "{ hello nope }"}, headers={"accept": GRJ})
    assert r.status == 400
    assert r.headers["content-type"] == GRJ
    body = r.json()
    assert "data" not in body
    [error] = body["errors"]
    assert error["locations"] == [{"line": 1, "column": 9}]
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    assert sub.requests == []
    assert h.planner.calls == []


async def test_request_errors_are_200_for_application_json() -> None:
    h = harness(Subgraph())
    r = await call(h.app, json={"query": "{ hello "}, headers={"accept": "application/json"})
    assert r.status == 200
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"


async def test_graphql_response_json_success_is_200_with_that_content_type() -> None:
    h = harness(Subgraph())
    accept = f"{GRJ}, application/json;q=0.9"
    r = await call(h.app, json={"query": "{ hello }"}, headers={"accept": accept})
    assert r.status == 200
    assert r.headers["content-type"] == GRJ


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"query": 1}', "application/json"),
        (b'{"query": "{ hello }", "variables": [1]}', "application/json"),
        (b'{"query": "{ hello }"}', "text/plain"),
        (b'{"query": "{ hello }"}', ""),
    ],
)
async def test_malformed_requests_are_400_with_a_graphql_error_body(
    body: bytes, content_type: str
) -> None:
    h = harness(Subgraph())
    headers = {"content-type": content_type} if content_type else {}
    r = await call(h.app, body=body, headers=headers)
    assert r.status == 400
    assert r.json()["errors"][0]["message"]


async def test_missing_query_and_unknown_operation_name() -> None:
    h = harness(Subgraph())
    r = await call(h.app, json={"variables": {}}, headers={"accept": GRJ})
    assert (r.status, r.json()["errors"][0]["message"]) == (400, "Must provide query string.")
    r = await call(h.app, json={"query": "query A { hello }", "operationName": "B"})
    assert r.json() == {
        "errors": [
            {
                "message": 'Unknown operation named "B".',
                "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"},
            }
        ]
    }
    r = await call(h.app, json={"query": "query A { hello } query B { hello }"})
    assert "operation name" in r.json()["errors"][0]["message"]


async def test_missing_and_ill_typed_variables_are_clear_request_errors() -> None:
    sub = Subgraph()
    h = harness(sub)
    query = "query($id: ID!) { user(id: $id) { name } }"
    r = await call(h.app, json={"query": query}, headers={"accept": GRJ})
    assert r.status == 400
    [error] = r.json()["errors"]
    assert "$id" in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    r = await call(h.app, json={"query": query, "variables": {"id": {"x": 1}}})
    assert "$id" in r.json()["errors"][0]["message"]
    assert sub.requests == []


async def test_explicit_null_for_a_defaulted_skip_include_variable_is_refused() -> None:
    # ``$v: Boolean = true`` may feed @include(if: Boolean!); a null sent explicitly must be
    # an error, not read as false (GraphQL spec: a null non-null argument is an error)
    sub = Subgraph()
    h = harness(sub)
    query = "query($v: Boolean = true) { hello @include(if: $v) }"
    r = await call(h.app, json={"query": query, "variables": {"v": None}}, headers={"accept": GRJ})
    assert r.status == 400
    [error] = r.json()["errors"]
    assert "$v" in error["message"] and error["extensions"]["code"] == "BAD_USER_INPUT"
    assert sub.requests == []
    r = await call(h.app, json={"query": query, "variables": {"v": False}})
    assert r.json() == {"data": {}}
    r = await call(h.app, json={"query": query})
    assert r.json() == {"data": {"hello": "world"}}


async def test_variable_defaults_are_forwarded_when_not_given() -> None:
    sub = Subgraph({"user": None})
    h = harness(sub)
    query = 'query($id: ID! = "7") { user(id: $id) { name } }'
    await call(h.app, json={"query": query})
    assert sub.requests[0].variables == {"id": "7"}


async def test_limits_are_enforced_before_planning() -> None:
    config = PrepareConfig(max_tokens=30, limits=Limits(max_depth=3, max_aliases=2))
    h = harness(Subgraph(), config=config)
    deep = "{ me { friends { friends { name } } } }"
    r = await call(h.app, json={"query": deep})
    assert r.json()["errors"][0]["extensions"]["code"] == "OPERATION_LIMIT_EXCEEDED"
    aliases = "{ a: hello b: hello c: hello }"
    r = await call(h.app, json={"query": aliases})
    assert "aliases" in r.json()["errors"][0]["message"]
    many = "{ " + " ".join(["hello"] * 40) + " }"
    r = await call(h.app, json={"query": many})
    assert "token" in r.json()["errors"][0]["message"].lower()
    assert h.planner.calls == []


async def test_graphiql_for_browsers() -> None:
    h = harness(Subgraph())
    r = await call(h.app, "GET", headers={"accept": "text/html,application/xhtml+xml"})
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/html")
    assert b"graphiql" in r.body.lower()


async def test_other_methods_are_405() -> None:
    h = harness(Subgraph())
    r = await call(h.app, "PUT", json={"query": "{ hello }"})
    assert r.status == 405


async def test_explain_header_adds_the_plan() -> None:
    h = harness(Subgraph())
    r = await call(h.app, json={"query": "{ hello }"}, headers={"x-rumah-explain": "true"})
    plan = r.json()["extensions"]["queryPlan"]
    assert plan["kind"] == "QueryPlan"
    assert plan["node"]["serviceName"] == "accounts"


async def test_only_allow_listed_headers_are_forwarded() -> None:
    sub = Subgraph()
    options = EndpointOptions(forward_headers=frozenset({b"authorization", b"x-tenant"}))
    h = harness(sub, options=options)
    headers = {"Authorization": "Bearer t", "X-Tenant": "a", "Cookie": "secret=1"}
    await call(h.app, json={"query": "{ hello }"}, headers=headers)
    assert sub.requests[0].headers == {"authorization": "Bearer t", "x-tenant": "a"}


async def test_introspection_is_answered_locally() -> None:
    sub = Subgraph()
    h = harness(sub)
    r = await call(h.app, json={"query": "{ __typename __schema { queryType { name } } }"})
    assert r.json() == {
        "data": {"__typename": "Query", "__schema": {"queryType": {"name": "Query"}}}
    }
    assert sub.requests == []


async def test_introspection_can_be_disabled() -> None:
    h = harness(Subgraph(), config=PrepareConfig(introspection=False))
    r = await call(h.app, json={"query": "{ __schema { queryType { name } } }"})
    assert r.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"


async def test_unknown_path_is_404() -> None:
    h = harness(Subgraph())
    r = await call(h.app, "GET", "/nope")
    assert r.status == 404


async def test_503_until_a_supergraph_is_loaded() -> None:
    h = harness(Subgraph(), loaded=False)
    r = await call(h.app, json={"query": "{ hello }"})
    assert r.status == 503


# ---------------------------------------------------------------------------- plan cache
async def test_a_cache_hit_does_not_parse_validate_or_plan_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    h = harness(Subgraph())
    prepared: list[str] = []
    real = pipeline_module.prepare_operation

    def counting(*args: Any) -> Any:
        prepared.append(args[3])
        return real(*args)

    monkeypatch.setattr(pipeline_module, "prepare_operation", counting)
    for _ in range(3):
        r = await call(h.app, json={"query": "{ hello }"})
        assert r.json() == {"data": {"hello": "world"}}
    for _ in range(2):
        r = await call(h.app, json={"query": "{ hello nope }"})
        assert r.json()["errors"]
    assert prepared == ["{ hello }", "{ hello nope }"]
    assert len(h.planner.calls) == 1


async def test_concurrent_identical_misses_share_one_planning_run() -> None:
    h = harness(Subgraph())
    with ThreadPoolExecutor(max_workers=1) as planning:
        h.pipeline.planning = planning
        results = await asyncio.gather(
            *(call(h.app, json={"query": "{ hello }"}) for _ in range(8))
        )
    assert {r.status for r in results} == {200}
    assert len(h.planner.calls) == 1


async def test_a_new_supergraph_starts_with_an_empty_cache() -> None:
    sub = Subgraph()
    h = harness(sub)
    await call(h.app, json={"query": "{ hello }"})
    old = h.holder.current
    assert old is not None and len(old.operations) == 1
    h.holder.swap(stub_state(sub, h.planner))
    await call(h.app, json={"query": "{ hello }"})
    assert len(h.planner.calls) == 2


async def test_override_labels_reach_the_planner_and_the_cache_key() -> None:
    h = harness(Subgraph(), labels=frozenset({"percent(100)", "percent(0)", "beta"}))
    await call(h.app, json={"query": "{ hello }"})
    assert h.planner.calls == [(None, frozenset({"percent(100)"}))]
    h2 = harness(Subgraph(), labels=frozenset({"beta"}), always_labels=frozenset({"beta"}))
    await call(h2.app, json={"query": "{ hello }"})
    assert h2.planner.calls == [(None, frozenset({"beta"}))]


async def test_planning_failure_is_data_null_with_an_error() -> None:
    from gateway.ports import PlanningError

    h = harness(Subgraph())

    def fail(*_: Any, **__: Any) -> Any:
        raise PlanningError("no path to User.name")

    h.planner.plan = fail  # type: ignore[method-assign]
    r = await call(h.app, json={"query": "{ me { name } }"})
    assert r.json() == {
        "data": None,
        "errors": [
            {"message": "no path to User.name", "extensions": {"code": "QUERY_PLANNING_FAILED"}}
        ],
    }


async def test_automatic_persisted_queries() -> None:
    import hashlib

    from gateway.request.persisted import PersistedQueries

    h = harness(Subgraph())
    h.pipeline.persisted = PersistedQueries()
    query = "{ hello }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    apq = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    r = await call(h.app, json={"extensions": apq})
    assert r.json()["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    r = await call(h.app, json={"query": query, "extensions": apq})
    assert r.json() == {"data": {"hello": "world"}}
    qs = urlencode({"extensions": orjson.dumps(apq).decode()})
    r = await call(h.app, "GET", query_string=qs.encode())
    assert r.json() == {"data": {"hello": "world"}}
    wrong = {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}
    r = await call(h.app, json={"query": query, "extensions": wrong}, headers={"accept": GRJ})
    assert r.status == 400


async def test_a_slow_plan_times_out_for_the_request_but_is_still_cached() -> None:
    import threading

    release = threading.Event()
    h = harness(Subgraph(), config=PrepareConfig(planning_timeout=0.2))
    real_plan = h.planner.plan

    def slow(*args: Any, **kw: Any) -> Any:
        release.wait(5)
        return real_plan(*args, **kw)

    h.planner.plan = slow  # type: ignore[method-assign]
    with ThreadPoolExecutor(max_workers=1) as planning:
        h.pipeline.planning = planning
        r = await call(h.app, json={"query": "{ hello }"})
        assert r.json()["errors"][0]["message"] == "Query planning took too long."
        release.set()
        await asyncio.sleep(0.2)
        r = await call(h.app, json={"query": "{ hello }"})
    assert r.json() == {"data": {"hello": "world"}}
    assert len(h.planner.calls) == 1


async def test_subscription_building_blocks_and_refusal_over_http() -> None:
    from http_driver import SDL

    from gateway.request.pipeline import Admitted, GraphQLRequest

    h = harness(Subgraph(), sdl=SDL + "type Subscription { userChanged: User }")
    r = await call(h.app, json={"query": "subscription { userChanged { id } }"})
    assert r.json()["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NOT_SUPPORTED"

    state = h.holder.current
    assert state is not None
    request = GraphQLRequest("subscription S { userChanged { id name } }")
    admitted = await h.pipeline.admit(state, request)
    assert isinstance(admitted, Admitted) and admitted.prepared.kind == "subscription"
    event = {"userChanged": {"id": "1", "name": "Ann", "internal": True}}
    execution = h.pipeline.execution(state, admitted, None, data=event)
    assert h.pipeline.respond(state, admitted, execution) == {
        "data": {"userChanged": {"id": "1", "name": "Ann"}}
    }


async def test_explain_can_be_disabled(monkeypatch: pytest.MonkeyPatch) -> None:
    from gateway.app import explain_header
    from gateway.settings import GatewaySettings

    assert explain_header(GatewaySettings(_env_file=None)) == b"x-rumah-explain"  # type: ignore[call-arg]
    monkeypatch.setenv("RUMAH_GATEWAY_EXPLAIN", "false")
    off = explain_header(GatewaySettings(_env_file=None))  # type: ignore[call-arg]
    assert off is None
    sub = Subgraph()
    h = harness(sub, options=EndpointOptions(explain_header=off))
    r = await call(h.app, json={"query": "{ hello }"}, headers={"x-rumah-explain": "true"})
    assert r.json() == {"data": {"hello": "world"}}  # answered, without the plan
    assert len(sub.requests) == 1
