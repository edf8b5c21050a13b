"""Fuzz /graphql: arbitrary requests and arbitrary subgraph answers never produce a 500,
a hang, or a body that is not a GraphQL response."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from http_driver import call, harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.ports import SubgraphRequest

TOKENS = [
    "{",
    "}",
    "(",
    ")",
    ":",
    "...",
    "on",
    "User",
    "query",
    "mutation",
    "subscription",
    "Q",
    "hello",
    "me",
    "users",
    "user(id: 1)",
    'user(id: "1")',
    "id",
    "name",
    "friends",
    "__typename",
    "__schema { queryType { name } }",
    '__type(name: "User") { name }',
    "@skip(if: true)",
    "@include(if: $v)",
    "($v: Boolean!)",
    "$v",
    "fragment F on User { id }",
    "...F",
    'rename(name: "x") { id }',
    "a:",
    "b:",
    "!",
    "[",
    "]",
    "#",
    '"',
    "\\u0000",
]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                ["hello", "me", "users", "user", "id", "name", "friends", "__typename"]
            ),
            children,
            max_size=4,
        )
    ),
    max_leaves=12,
)

queries = st.one_of(
    st.text(max_size=40),
    st.lists(st.sampled_from(TOKENS), max_size=14).map(" ".join),
    st.sampled_from(
        [
            "{ hello }",
            "{ me { id name friends { name } } users { id } }",
            "query($v: Boolean!) { me @include(if: $v) { id } }",
            "{ a: hello ... on Query { __typename } }",
        ]
    ),
)

payloads = st.fixed_dictionaries(
    {},
    optional={
        "query": queries | json_values,
        "operationName": st.none() | st.text(max_size=5) | st.integers(-5, 5),
        "variables": st.none() | json_values,
        "extensions": json_values,
    },
)

requests = st.tuples(
    st.sampled_from(["GET", "POST", "POST", "POST", "PUT", "OPTIONS"]),
    st.sampled_from(["/graphql", "/graphql", "/health", "/health/ready", "/x"]),
    st.sampled_from(
        [
            "application/json",
            "application/json; charset=utf-8",
            "text/plain",
            "",
            "multipart/form-data",
        ]
    ),
    st.sampled_from(
        ["", "application/json", "application/graphql-response+json", "text/html", "*/*;q=0"]
    ),
    st.one_of(payloads.map(orjson.dumps), st.binary(max_size=40)),
    st.one_of(st.just(b""), st.binary(max_size=20), payloads.map(lambda p: _to_qs(p))),
    json_values,
)


def _to_qs(payload: dict[str, Any]) -> bytes:
    from urllib.parse import urlencode

    flat = {k: v if isinstance(v, str) else orjson.dumps(v).decode() for k, v in payload.items()}
    return urlencode(flat).encode()


class RandomSubgraph:
    def __init__(self, answer: Any) -> None:
        self.answer = answer

    async def fetch(self, request: SubgraphRequest) -> Any:
        return {"data": self.answer}


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(requests)
def test_no_request_makes_the_gateway_fail(case: tuple[Any, ...]) -> None:
    method, path, content_type, accept, body, query_string, answer = case
    h = harness(RandomSubgraph(answer))
    headers = {}
    if content_type:
        headers["content-type"] = content_type
    if accept:
        headers["accept"] = accept

    async def go() -> Any:
        async with asyncio.timeout(5):
            return await call(
                h.app, method, path, body=body, headers=headers, query_string=query_string
            )

    response = asyncio.run(go())
    assert response.status < 500 or (path == "/health/ready" and response.status == 503)
    if response.headers["content-type"].startswith("text/html"):
        return
    decoded = orjson.loads(response.body)
    assert isinstance(decoded, dict)
    if path == "/graphql" and response.status != 404:
        assert "data" in decoded or decoded.get("errors")
        for error in decoded.get("errors", []):
            assert isinstance(error["message"], str)
