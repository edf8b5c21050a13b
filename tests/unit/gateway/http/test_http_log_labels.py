"""Every log line of a request names that request and its authenticated caller — never
another request's, never one a header claimed.

The request-id middleware makes one ``RequestLabels`` per request; the endpoint names the
verified caller in it (an attribute store instead of a context-variable set per request).
Concurrent requests of different callers, requests one after another in one context and
an endpoint used without the middleware must all keep their callers apart.
"""

from __future__ import annotations

import asyncio
from typing import Any

from http_driver import call, harness

from gateway.app import GatewayApp
from gateway.auth import AccessGate, Principal, StaticTokenAuthenticator
from gateway.http.graphql_endpoint import GraphQLEndpoint
from gateway.ports import SubgraphRequest
from rumah.common.logs import current_principal, current_request_id, log_context
from rumah.common.request_id import RequestIdMiddleware

TOKENS = {
    "t-ani": Principal("ani", frozenset({"auditor"})),
    "t-budi": Principal("budi", frozenset({"integrator"}), opd="DPMPTSP"),
}


class Seen:
    """A subgraph that notes the request id and caller its fetch is logged under, held until
    released (so requests overlap)."""

    def __init__(self, hold: bool = False) -> None:
        self.seen: list[tuple[str | None, str | None]] = []
        self.release = asyncio.Event()
        if not hold:
            self.release.set()

    async def fetch(self, request: SubgraphRequest) -> dict[str, Any]:
        await self.release.wait()
        self.seen.append((current_request_id(), current_principal()))
        return {"data": {"hello": "hi"}}


def _app(sub: Seen, *, middleware: bool = True) -> Any:
    h = harness(sub)
    gate = AccessGate(StaticTokenAuthenticator(TOKENS))
    app = GatewayApp(
        graphql=GraphQLEndpoint(h.holder, h.pipeline, h.options, None, gate), health=h.app.health
    )
    return RequestIdMiddleware(app) if middleware else app


def _headers(token: str, request_id: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}", "x-request-id": request_id}


async def test_concurrent_requests_each_log_their_own_caller_and_id() -> None:
    sub = Seen(hold=True)
    app = _app(sub)
    tasks = [
        asyncio.create_task(call(app, json={"query": "{ hello }"}, headers=_headers(t, f"r-{i}")))
        for i, t in enumerate(["t-ani", "t-budi", "t-ani", "t-budi"])
    ]
    for _ in range(10):
        await asyncio.sleep(0)
    sub.release.set()
    assert [(await t).status for t in tasks] == [200] * 4
    assert sorted(sub.seen) == [
        ("r-0", "static:ani"),
        ("r-1", "static:budi"),
        ("r-2", "static:ani"),
        ("r-3", "static:budi"),
    ]


async def test_a_caller_named_in_one_request_is_not_carried_into_the_next() -> None:
    sub = Seen()
    app = _app(sub)
    with log_context(request_id="outer"):  # one context for all the requests
        await call(app, json={"query": "{ hello }"}, headers=_headers("t-ani", "r-1"))
        refused = await call(app, json={"query": "{ hello }"}, headers={"x-request-id": "r-2"})
        assert refused.status == 401
        assert (current_request_id(), current_principal()) == ("outer", None)
        await call(app, json={"query": "{ hello }"}, headers=_headers("t-budi", "r-3"))
    assert sub.seen == [("r-1", "static:ani"), ("r-3", "static:budi")]


async def test_without_the_middleware_the_caller_is_bound_for_the_request_only() -> None:
    sub = Seen(hold=True)
    app = _app(sub, middleware=False)
    with log_context(request_id="outer"):
        tasks = [
            asyncio.create_task(call(app, json={"query": "{ hello }"}, headers=_headers(t, "x")))
            for t in ("t-ani", "t-budi")
        ]
        for _ in range(10):
            await asyncio.sleep(0)
        sub.release.set()
        assert [(await t).status for t in tasks] == [200, 200]
        assert current_principal() is None
    assert sorted(sub.seen) == [("outer", "static:ani"), ("outer", "static:budi")]
    # a header naming a principal is never a caller
    sub.seen.clear()
    await call(
        app,
        json={"query": "{ hello }"},
        headers={"authorization": "Bearer t-budi", "x-rumah-role": "auditor"},
    )
    assert sub.seen == [(None, "static:budi")]
