"""Request de-duplication both ways.

Inbound: identical concurrent queries (document, operation, variables, forwarded headers —
the principal among them) share one execution; never mutations, never across principals.
Outbound: identical in-flight subgraph requests of queries share one HTTP request; each
waiter gets its own result objects and its own error paths.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import orjson
import pytest
from http_driver import Response, call, harness

from gateway.app import GatewayApp
from gateway.auth import AccessGate, Principal, StaticTokenAuthenticator
from gateway.client.h1 import decode_headers
from gateway.client.http_fetcher import HttpSubgraphFetcher
from gateway.executor import Execution, execute_plan
from gateway.executor.relations import EMPTY_RELATIONS
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.metrics import GatewayMetrics
from gateway.plan import FetchNode, FieldSel, FlattenNode, InlineFragmentSel
from gateway.ports import SubgraphInfo, SubgraphRequest
from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig


async def _settle() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


class HeldSubgraph:
    """Holds every request until released; answers as the principal it runs for (the access
    layer signs a credential for it)."""

    def __init__(self) -> None:
        self.requests: list[SubgraphRequest] = []
        self.release = asyncio.Event()

    async def fetch(self, request: SubgraphRequest) -> dict[str, Any]:
        self.requests.append(request)
        await self.release.wait()
        principal = request.principal
        role = principal.subject if isinstance(principal, Principal) else "anonymous"
        variables = request.variables or {}
        if "rename" in request.query:
            return {"data": {"rename": {"name": variables.get("name")}}}
        if "user" in request.query:
            return {"data": {"user": {"name": f"{role}:{variables.get('id')}"}}}
        return {"data": {"hello": f"hello {role}"}}


def _dedup_harness(sub: HeldSubgraph, *, on: bool = True, **options: Any) -> Any:
    h = harness(sub, options=EndpointOptions(**options) if options else None)
    h.pipeline.inflight = Pipeline(PrepareConfig(), deduplicate=on).inflight
    return h


async def _concurrently(
    app: Any, bodies: list[dict[str, Any]], headers: list[dict[str, str]] | None = None
) -> list[Response]:
    tasks = [
        asyncio.create_task(call(app, json=body, headers=(headers or [{}] * len(bodies))[i]))
        for i, body in enumerate(bodies)
    ]
    await _settle()
    return tasks  # type: ignore[return-value]


async def test_identical_concurrent_queries_share_one_execution() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    tasks = await _concurrently(h.app, [{"query": "{ hello }"}] * 4)
    assert len(sub.requests) == 1
    sub.release.set()
    answers = [await t for t in tasks]  # type: ignore[misc]
    assert [a.json() for a in answers] == [{"data": {"hello": "hello anonymous"}}] * 4
    assert h.pipeline.inflight is not None and h.pipeline.inflight.joined == 3
    # in flight only: the same query afterwards runs again
    await call(h.app, json={"query": "{ hello }"})
    assert len(sub.requests) == 2


async def test_different_variables_or_operations_are_not_shared() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    q = "query Q($id: ID!) { user(id: $id) { name } }"
    tasks = await _concurrently(
        h.app,
        [
            {"query": q, "variables": {"id": "1"}},
            {"query": q, "variables": {"id": "2"}},
            {"query": q, "variables": {"id": "1"}},
            {"query": "{ hello }"},
        ],
    )
    assert len(sub.requests) == 3
    sub.release.set()
    answers = [(await t).json() for t in tasks]  # type: ignore[misc]
    assert [a["data"] for a in answers] == [
        {"user": {"name": "anonymous:1"}},
        {"user": {"name": "anonymous:2"}},
        {"user": {"name": "anonymous:1"}},
        {"hello": "hello anonymous"},
    ]


async def test_variables_are_compared_by_value_not_by_key_order() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    q = "query Q($id: ID!, $x: ID!) { user(id: $id) { name } other: user(id: $x) { name } }"
    tasks = await _concurrently(
        h.app,
        [
            {"query": q, "variables": {"id": "1", "x": "2"}},
            {"query": q, "variables": {"x": "2", "id": "1"}},
        ],
    )
    assert len(sub.requests) == 1
    sub.release.set()
    for t in tasks:
        await t  # type: ignore[misc]


async def test_mutations_are_never_shared() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    m = {"query": 'mutation { rename(name: "Ann") { name } }'}
    tasks = await _concurrently(h.app, [m, m, m])
    assert len(sub.requests) == 3
    sub.release.set()
    for t in tasks:
        assert (await t).json() == {"data": {"rename": {"name": None}}}  # type: ignore[misc]


async def test_switched_off_every_request_executes() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub, on=False)
    tasks = await _concurrently(h.app, [{"query": "{ hello }"}] * 3)
    assert len(sub.requests) == 3
    sub.release.set()
    for t in tasks:
        await t  # type: ignore[misc]


def _guarded(h: Any, tokens: dict[str, Principal]) -> Any:
    """The harness's endpoint behind the access gate (static tokens)."""
    gate = AccessGate(StaticTokenAuthenticator(tokens))
    return GatewayApp(
        graphql=GraphQLEndpoint(h.holder, h.pipeline, h.options, None, gate), health=h.app.health
    )


async def test_never_shared_across_principals() -> None:
    """Callers with different principals each get their own execution and their own answer —
    even when it is in flight at the same time; a header a client sends changes nothing."""
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    app = _guarded(
        h,
        {
            "t-audit": Principal("auditor", frozenset({"auditor"})),
            "t-lic": Principal("integrator", frozenset({"integrator"}), opd="DPMPTSP"),
        },
    )
    bodies = [{"query": "{ hello }"}] * 4
    headers = [
        {"authorization": "Bearer t-audit"},
        {"authorization": "Bearer t-lic"},
        {"authorization": "Bearer t-audit"},
        # a spoofed principal header is ignored: this caller is the integrator of its token
        {"authorization": "Bearer t-lic", "x-rumah-role": "auditor"},
    ]
    tasks = await _concurrently(app, bodies, headers)
    assert sorted(r.principal.subject for r in sub.requests) == ["auditor", "integrator"]
    sub.release.set()
    answers = [(await t).json()["data"]["hello"] for t in tasks]  # type: ignore[misc]
    assert answers == ["hello auditor", "hello integrator", "hello auditor", "hello integrator"]


async def test_equal_grants_of_different_callers_are_not_shared() -> None:
    """Two callers with the same role: each its own execution (and its own access record)."""
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    app = _guarded(
        h,
        {
            "t-1": Principal("ani", frozenset({"auditor"})),
            "t-2": Principal("budi", frozenset({"auditor"})),
        },
    )
    tasks = await _concurrently(
        app,
        [{"query": "{ hello }"}] * 2,
        [{"authorization": "Bearer t-1"}, {"authorization": "Bearer t-2"}],
    )
    assert len(sub.requests) == 2
    sub.release.set()
    for t in tasks:
        await t  # type: ignore[misc]


async def test_the_query_plan_header_gets_its_own_execution() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    tasks = await _concurrently(
        h.app, [{"query": "{ hello }"}] * 2, [{}, {"x-rumah-explain": "true"}]
    )
    assert len(sub.requests) == 2
    sub.release.set()
    plain, explained = [(await t).json() for t in tasks]  # type: ignore[misc]
    assert "extensions" not in plain and "queryPlan" in explained["extensions"]


async def test_a_client_going_away_does_not_cancel_the_others() -> None:
    sub = HeldSubgraph()
    h = _dedup_harness(sub)
    first = asyncio.create_task(call(h.app, json={"query": "{ hello }"}))
    await _settle()
    others = [asyncio.create_task(call(h.app, json={"query": "{ hello }"})) for _ in range(2)]
    await _settle()
    first.cancel()
    await _settle()
    sub.release.set()
    for t in others:
        assert (await t).json() == {"data": {"hello": "hello anonymous"}}
    assert first.cancelled()
    # the first execution was cancelled with its client; one of the others ran it again
    assert len(sub.requests) == 2


async def test_a_shared_failure_answers_every_waiter() -> None:
    class Down:
        def __init__(self) -> None:
            self.calls = 0
            self.release = asyncio.Event()

        async def fetch(self, request: SubgraphRequest) -> dict[str, Any]:
            from gateway.ports import SubgraphFetchError

            self.calls += 1
            await self.release.wait()
            raise SubgraphFetchError(
                "accounts", "HTTP fetch failed from 'accounts': 503", "SUBREQUEST_HTTP_ERROR"
            )

    sub = Down()
    h = harness(sub)
    h.pipeline.inflight = Pipeline(PrepareConfig(), deduplicate=True).inflight
    tasks = await _concurrently(h.app, [{"query": "{ hello }"}] * 3)
    sub.release.set()
    answers = [(await t).json() for t in tasks]  # type: ignore[misc]
    assert sub.calls == 1
    for answer in answers:
        assert answer["data"] == {"hello": None}
        assert answer["errors"][0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"


# --------------------------------------------------------------------------- outbound
class HeldTransport:
    """A subgraph transport that holds requests until released; answers ``reply(body)``."""

    def __init__(self, reply: Any) -> None:
        self.reply = reply
        self.posts: list[tuple[bytes, Mapping[str, str] | None]] = []
        self.release = asyncio.Event()

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        # (a credential comes as lines encoded once: what the subgraph receives, as a mapping)
        sent = {**(headers or {}), **decode_headers(encoded)} if encoded else headers
        self.posts.append((body, sent))
        await self.release.wait()
        result = self.reply(orjson.loads(body))
        if isinstance(result, int):
            return result, "Service Unavailable", b"down"
        return 200, "OK", orjson.dumps(result)


def _fetcher(
    transport: HeldTransport, metrics: GatewayMetrics | None = None, on: bool = True
) -> HttpSubgraphFetcher:
    return HttpSubgraphFetcher(
        transport,
        {"reviews": SubgraphInfo("reviews", "http://reviews.invalid/graphql")},
        metrics=metrics,
        deduplicate=on,
    )


def _request(**kw: Any) -> SubgraphRequest:
    base: dict[str, Any] = {
        "service": "reviews",
        "query": "{ top { body } }",
        "operation_name": None,
        "variables": None,
        "shareable": True,
    }
    return SubgraphRequest(**{**base, **kw})


async def test_identical_subgraph_requests_share_one_http_request() -> None:
    transport = HeldTransport(lambda body: {"data": {"top": [{"body": "ok"}]}})
    metrics = GatewayMetrics()
    fetcher = _fetcher(transport, metrics)
    tasks = [asyncio.create_task(fetcher.fetch(_request())) for _ in range(3)]
    await _settle()
    assert len(transport.posts) == 1
    transport.release.set()
    results = [await t for t in tasks]
    assert all(r == {"data": {"top": [{"body": "ok"}]}} for r in results)
    # each waiter decoded its own objects: merging into one never changes another's
    results[0]["data"]["top"][0]["body"] = "changed"  # type: ignore[index]
    assert results[1]["data"]["top"][0]["body"] == "ok"  # type: ignore[index]
    assert metrics.fetches_joined == {"reviews": 2}
    assert metrics.fetches["reviews"][0] == [1, 0]  # one request sent, not three


@pytest.mark.parametrize(
    ("second", "why"),
    [
        ({"variables": {"id": "2"}}, "other variables"),
        ({"operation_name": "Other"}, "other operation name"),
        ({"headers": {"authorization": "Bearer b"}}, "other forwarded credentials"),
        ({"shareable": False}, "part of a mutation's execution"),
        ({"query": 'mutation { rename(name: "x") { name } }'}, "a mutation"),
    ],
)
async def test_subgraph_requests_that_differ_are_sent_each(
    second: dict[str, Any], why: str
) -> None:
    transport = HeldTransport(lambda body: {"data": {"top": []}})
    fetcher = _fetcher(transport)
    first = {"variables": {"id": "1"}, "headers": {"authorization": "Bearer a"}}
    tasks = [
        asyncio.create_task(fetcher.fetch(_request(**first))),
        asyncio.create_task(fetcher.fetch(_request(**{**first, **second}))),
    ]
    await _settle()
    assert len(transport.posts) == 2, why
    transport.release.set()
    await asyncio.gather(*tasks)


async def test_signed_credentials_share_only_within_one_principal() -> None:
    """With the access layer's credential on every request (the production wiring), the
    same principal's identical requests share one HTTP request — also when the gate hands
    out another object for it (a second token) — another principal's never do, and a
    forwarded client ``Authorization`` is replaced by the credential, not added to it."""
    from gateway.auth.subgraph_credentials import SubgraphSigner
    from rumah.common.keys import load_private_key, new_signing_key

    signer = SubgraphSigner(load_private_key(new_signing_key()[0], "test"))
    transport = HeldTransport(lambda body: {"data": {"top": []}})
    fetcher = HttpSubgraphFetcher(
        transport,
        {"reviews": SubgraphInfo("reviews", "http://reviews.invalid/graphql")},
        credentials=signer.credential,
        deduplicate=True,
    )
    auditor = Principal("a", frozenset({"auditor"}), frozenset({"reviews:read"}))
    same = Principal("a", frozenset({"auditor"}), frozenset({"reviews:read"}))
    integrator = Principal("i", frozenset({"integrator"}), opd="DPMPTSP")
    forwarded = {"authorization": "Bearer client-token", "x-t": "1"}
    requests = [
        _request(principal=auditor),
        _request(principal=same),  # equal principal, another object: shared
        _request(principal=integrator),  # never shared with the auditor
        _request(principal=auditor, headers=forwarded),  # other headers: its own request
        _request(principal=auditor, headers=dict(forwarded)),  # shared with the one before
    ]
    tasks = [asyncio.create_task(fetcher.fetch(r)) for r in requests]
    await _settle()
    assert len(transport.posts) == 3
    transport.release.set()
    await asyncio.gather(*tasks)
    sent = [headers for _, headers in transport.posts]
    assert sent[0] == signer.headers(auditor, "reviews")
    assert sent[1] == signer.headers(integrator, "reviews") != sent[0]
    assert sent[2] == {**forwarded, **signer.headers(auditor, "reviews")}
    assert signer.credential(auditor, "reviews") is signer.credential(auditor, "reviews")


async def test_switched_off_every_subgraph_request_is_sent() -> None:
    transport = HeldTransport(lambda body: {"data": {"top": []}})
    fetcher = _fetcher(transport, on=False)
    tasks = [asyncio.create_task(fetcher.fetch(_request())) for _ in range(2)]
    await _settle()
    assert len(transport.posts) == 2
    transport.release.set()
    await asyncio.gather(*tasks)


_ENTITY_FETCH = FetchNode(
    service="reviews",
    operation=(
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        "{...on Product{reviews{body}}}}"
    ),
    requires=(InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),),
)


def _execution(fetcher: HttpSubgraphFetcher, data: dict[str, Any]) -> Execution:
    return Execution(
        fetcher=fetcher,
        relations=EMPTY_RELATIONS,
        variables={},
        forwarded={},
        data=data,
        shareable=True,
    )


async def _two_clients(reply: Any) -> tuple[HeldTransport, Execution, Execution]:
    """Two different client queries (``top`` and ``best`` lists) whose entity fetch of the same
    products is the same subgraph request."""
    transport = HeldTransport(reply)
    fetcher = _fetcher(transport)
    product = {"__typename": "Product", "upc": "1"}
    a = _execution(fetcher, {"top": [dict(product)]})
    b = _execution(fetcher, {"x": {"best": [dict(product)]}})
    runs = [
        asyncio.create_task(execute_plan(FlattenNode(("top", "@"), _ENTITY_FETCH), a)),
        asyncio.create_task(execute_plan(FlattenNode(("x", "best", "@"), _ENTITY_FETCH), b)),
    ]
    await _settle()
    assert len(transport.posts) == 1  # shared
    transport.release.set()
    await asyncio.gather(*runs)
    return transport, a, b


async def test_a_shared_entity_fetch_merges_into_each_client_result() -> None:
    _, a, b = await _two_clients(
        lambda body: {"data": {"_entities": [{"reviews": [{"body": "bagus"}]}]}}
    )
    assert a.data["top"][0]["reviews"] == [{"body": "bagus"}]
    assert b.data["x"]["best"][0]["reviews"] == [{"body": "bagus"}]
    assert a.data["top"][0]["reviews"] is not b.data["x"]["best"][0]["reviews"]


async def test_a_failed_shared_fetch_fails_every_waiter_with_its_own_error_path() -> None:
    _, a, b = await _two_clients(
        lambda body: {
            "data": {"_entities": [None]},
            "errors": [{"message": "reviews exploded", "path": ["_entities", 0, "reviews"]}],
        }
    )
    assert [e["path"] for e in a.errors] == [["top", 0, "reviews"]]
    assert [e["path"] for e in b.errors] == [["x", "best", 0, "reviews"]]
    assert a.errors[0]["message"] == b.errors[0]["message"] == "reviews exploded"


async def test_a_shared_transport_failure_names_each_waiters_path() -> None:
    _, a, b = await _two_clients(lambda body: 503)
    assert [e["extensions"]["affectedPath"] for e in a.errors] == ["top.@"]
    assert [e["extensions"]["affectedPath"] for e in b.errors] == ["x.best.@"]
    assert a.errors[0]["extensions"]["code"] == "SUBREQUEST_HTTP_ERROR"


async def test_a_cancelled_first_fetch_does_not_cancel_the_others() -> None:
    transport = HeldTransport(lambda body: {"data": {"top": [{"body": "ok"}]}})
    fetcher = _fetcher(transport)
    first = asyncio.create_task(fetcher.fetch(_request()))
    await _settle()
    others = [asyncio.create_task(fetcher.fetch(_request())) for _ in range(2)]
    await _settle()
    first.cancel()
    await _settle()
    transport.release.set()
    assert [await t for t in others] == [{"data": {"top": [{"body": "ok"}]}}] * 2
    assert first.cancelled()
    assert len(transport.posts) == 2  # the first was abandoned; the others sent one more


def test_the_key_tells_principals_apart_exactly_as_their_equality_does() -> None:
    from gateway.request.dedup import request_key

    base = Principal("ani", frozenset({"auditor"}), frozenset({"s"}), issuer="kc")
    variants = [
        Principal("budi", frozenset({"auditor"}), frozenset({"s"}), issuer="kc"),
        Principal("ani", frozenset({"operator"}), frozenset({"s"}), issuer="kc"),
        Principal("ani", frozenset({"auditor"}), frozenset(), issuer="kc"),
        Principal("ani", frozenset({"auditor"}), frozenset({"s"}), opd="BKD", issuer="kc"),
        Principal("ani", frozenset({"auditor"}), frozenset({"s"}), name="Ani", issuer="kc"),
        Principal("ani", frozenset({"auditor"}), frozenset({"s"}), issuer="static"),
    ]
    prepared = object()

    def key(principal: Principal | None) -> object:
        return request_key(prepared, {}, None, principal=principal)

    # equal principals (another token's lifetime is not identity) share a key…
    same = Principal("ani", frozenset({"auditor"}), frozenset({"s"}), issuer="kc", expires_at=1.0)
    assert same == base and key(same) == key(base)
    # …and any field that makes a principal another one gives another key
    for other in variants:
        assert other != base and key(other) != key(base), other
    assert key(None) != key(base)


def test_a_principals_sharing_key_is_equal_exactly_when_the_principals_are() -> None:
    """What keys the sharing of executions: equal principals (another token of the same
    caller) give equal keys; any field that differs — even where one text could be read as
    another's fields run together — gives another."""
    from gateway.request.dedup import principal_identity

    base = Principal("a", frozenset({"b"}), frozenset({"c"}), opd="d", name="e", issuer="f")
    others = [
        Principal("a", frozenset({"b"}), frozenset({"c"}), opd="d", name="e", issuer="g"),
        Principal("ab", frozenset(), frozenset({"c"}), opd="d", name="e", issuer="f"),
        Principal("a", frozenset({"b", "c"}), frozenset(), opd="d", name="e", issuer="f"),
        Principal("a", frozenset({"b"}), frozenset({"c"}), opd=None, name="e", issuer="f"),
        Principal("a", frozenset({"b"}), frozenset({"c"}), opd="d", name=None, issuer="f"),
        Principal('a","b', frozenset(), frozenset({"c"}), opd="d", name="e", issuer="f"),
        Principal("a", frozenset({"b"}), frozenset({"c", "x"}), opd="d", name="e", issuer="f"),
    ]
    twin = Principal("a", frozenset({"b"}), frozenset({"c"}), opd="d", name="e", issuer="f")
    assert principal_identity(twin) == principal_identity(base) and twin == base
    keys = {principal_identity(p) for p in [base, *others]}
    assert len(keys) == len(others) + 1
    # a claim with a lone surrogate (JSON text can carry one: ``"\\ud800"``) is a name too
    odd = Principal("a", frozenset({"b"}), frozenset({"c"}), "d", json.loads('"e\\ud800"'), "f")
    assert principal_identity(odd) not in keys
    # the token's lifetime is not who it is
    later = Principal("a", frozenset({"b"}), frozenset({"c"}), "d", "e", "f", expires_at=9.0)
    assert principal_identity(later) == principal_identity(base)
