"""The aiohttp subgraph fetcher against a real local HTTP server."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import orjson
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from gateway.client import HttpSubgraphFetcher, probe_subgraphs, subgraph_session
from gateway.contracts import SubgraphFetchError, SubgraphInfo, SubgraphRequest


class Behaviour:
    def __init__(self) -> None:
        self.status = 200
        self.body: bytes = b'{"data": {"ok": true}}'
        self.content_type = "application/json"
        self.delay = 0.0
        self.seen: list[dict[str, Any]] = []


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, Behaviour]]:
    behaviour = Behaviour()

    async def handle(request: web.Request) -> web.Response:
        behaviour.seen.append({"headers": dict(request.headers), "body": await request.json()})
        if behaviour.delay:
            await asyncio.sleep(behaviour.delay)
        return web.Response(
            status=behaviour.status, body=behaviour.body, content_type=behaviour.content_type
        )

    app = web.Application()
    app.router.add_post("/graphql", handle)
    srv = TestServer(app)
    await srv.start_server()
    try:
        yield str(srv.make_url("/graphql")), behaviour
    finally:
        await srv.close()


def request(**kw: Any) -> SubgraphRequest:
    defaults: dict[str, Any] = {
        "service": "s",
        "query": "{ ok }",
        "operation_name": None,
        "variables": None,
    }
    return SubgraphRequest(**{**defaults, **kw})


async def fetch(url: str, req: SubgraphRequest, **kw: Any) -> Any:
    async with subgraph_session() as session:
        fetcher = HttpSubgraphFetcher(session, {"s": SubgraphInfo("s", url)}, **kw)
        return await fetcher.fetch(req)


async def test_posts_graphql_json_with_forwarded_headers(server: tuple[str, Behaviour]) -> None:
    url, behaviour = server
    response = await fetch(
        url,
        request(variables={"a": 1}, operation_name="Op", headers={"authorization": "Bearer x"}),
    )
    assert response == {"data": {"ok": True}}
    [seen] = behaviour.seen
    assert seen["body"] == {"query": "{ ok }", "operationName": "Op", "variables": {"a": 1}}
    assert seen["headers"]["Authorization"] == "Bearer x"
    assert seen["headers"]["Content-Type"] == "application/json"


async def test_graphql_errors_in_a_200_body_are_returned(server: tuple[str, Behaviour]) -> None:
    url, behaviour = server
    behaviour.body = orjson.dumps({"data": None, "errors": [{"message": "x"}]})
    assert (await fetch(url, request()))["errors"] == [{"message": "x"}]


@pytest.mark.parametrize(
    ("status", "body", "content_type", "code"),
    [
        (500, b'{"errors":[{"message":"boom"}]}', "application/json", "SUBREQUEST_HTTP_ERROR"),
        (502, b"<html>Bad gateway</html>", "text/html", "SUBREQUEST_HTTP_ERROR"),
        (200, b"<html>hello</html>", "text/html", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b"[1,2]", "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b'{"foo": 1}', "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
        (200, b'{"data": {}, "errors": "x"}', "application/json", "SUBREQUEST_MALFORMED_RESPONSE"),
    ],
)
async def test_bad_answers_raise_one_coded_error(
    server: tuple[str, Behaviour], status: int, body: bytes, content_type: str, code: str
) -> None:
    url, behaviour = server
    behaviour.status, behaviour.body, behaviour.content_type = status, body, content_type
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch(url, request())
    assert caught.value.code == code
    assert caught.value.service == "s"


async def test_per_subgraph_timeout(server: tuple[str, Behaviour]) -> None:
    url, behaviour = server
    behaviour.delay = 1.0
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch(url, request(), timeout=30, timeouts={"s": 0.1})
    assert caught.value.code == "SUBREQUEST_TIMEOUT"


async def test_connection_refused() -> None:
    with pytest.raises(SubgraphFetchError) as caught:
        await fetch("http://127.0.0.1:1/graphql", request())
    assert caught.value.code == "SUBREQUEST_HTTP_ERROR"
    assert "'s'" in str(caught.value)


async def test_probe_reports_reachability(server: tuple[str, Behaviour]) -> None:
    url, _ = server
    async with subgraph_session() as session:
        report = await probe_subgraphs(
            session,
            {"up": SubgraphInfo("up", url), "down": SubgraphInfo("down", "http://127.0.0.1:1/")},
            limit=2,
        )
    assert report["up"]["reachable"] is True
    assert report["down"]["reachable"] is False
    assert report["down"]["error"]
