"""Request ids: accepted from X-Request-Id when they look like ids, returned, bound to logs,
passed to subgraphs."""

from __future__ import annotations

import logging
from collections.abc import Mapping, MutableMapping
from typing import Any

import pytest

from gateway.client.h1 import decode_headers
from gateway.client.http_fetcher import HttpSubgraphFetcher
from gateway.ports import SubgraphInfo, SubgraphRequest
from rumah.common.logs import current_request_id, log_context
from rumah.common.request_id import RequestIdMiddleware, accept_request_id


@pytest.mark.parametrize(
    "sent",
    ["abc-123", "0f8fad5b-d9cb-469f-a165-70867728950e", "01HZY3K8Q2:span/1+x=@host", "a" * 128],
)
def test_an_id_that_looks_like_one_is_kept(sent: str) -> None:
    assert accept_request_id(sent.encode()) == sent


@pytest.mark.parametrize(
    "sent",
    [b"", b"a" * 129, b"has space", b"new\nline", b'quote"', "ünï".encode(), b"<script>"],
)
def test_anything_else_is_replaced_by_a_fresh_id(sent: bytes) -> None:
    got = accept_request_id(sent)
    assert got != sent.decode("latin-1") and len(got) == 32 and got.isalnum()


def test_fresh_ids_differ() -> None:
    assert accept_request_id(None) != accept_request_id(None)


async def _call(app: Any, headers: list[tuple[bytes, bytes]], kind: str = "http") -> list[Any]:
    sent: list[MutableMapping[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app({"type": kind, "path": "/", "headers": headers}, receive, send)
    return sent


async def test_the_id_is_bound_during_the_request_and_returned_once() -> None:
    seen: list[str | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(current_request_id())
        logging.getLogger("t").info("inside")
        # an app that sets its own X-Request-Id does not produce two
        await send(
            {"type": "http.response.start", "status": 200, "headers": [(b"x-request-id", b"other")]}
        )
        await send({"type": "http.response.body", "body": b""})

    sent = await _call(RequestIdMiddleware(app), [(b"x-request-id", b"client-42")])
    assert seen == ["client-42"]
    assert [v for k, v in sent[0]["headers"] if k == b"x-request-id"] == [b"client-42"]
    assert current_request_id() is None  # reset after the request

    sent = await _call(RequestIdMiddleware(app), [(b"x-request-id", b"bad id")])
    returned = [v for k, v in sent[0]["headers"] if k == b"x-request-id"]
    assert returned == [seen[-1].encode()] and seen[-1] != "bad id"  # type: ignore[union-attr]


async def test_a_websocket_gets_its_id_on_the_accept() -> None:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "websocket.accept", "subprotocol": "graphql-transport-ws"})

    sent = await _call(RequestIdMiddleware(app), [(b"x-request-id", b"ws-1")], "websocket")
    assert sent[0]["headers"] == [(b"x-request-id", b"ws-1")]
    assert sent[0]["subprotocol"] == "graphql-transport-ws"


class _Capture:
    def __init__(self) -> None:
        self.headers: list[Mapping[str, str] | None] = []

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        self.headers.append({**(headers or {}), **decode_headers(encoded)} if encoded else headers)
        return 200, "OK", b'{"data": {"x": 1}}'


async def test_subgraph_requests_carry_the_request_id_and_the_forwarded_headers() -> None:
    transport = _Capture()
    fetcher = HttpSubgraphFetcher(transport, {"a": SubgraphInfo("a", "http://a/graphql")})
    request = SubgraphRequest("a", "{ x }", None, None, {"authorization": "Bearer t"})
    with log_context(request_id="req-7"):
        await fetcher.fetch(request)
    await fetcher.fetch(SubgraphRequest("a", "{ x }", None, None, None))
    assert transport.headers == [
        {"authorization": "Bearer t", "x-request-id": "req-7"},
        None,  # outside a request nothing is added
    ]
    assert request.headers == {"authorization": "Bearer t"}  # the request is not changed
