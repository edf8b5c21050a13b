"""The upstream graphql-transport-ws client against scripted ``websockets`` servers."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.typing import Subprotocol

from gateway.subscriptions import UpstreamFailure, UpstreamRequest, WebSocketUpstream

Script = Callable[[ServerConnection], Awaitable[None]]
WAIT = 10.0


async def _json(ws: ServerConnection) -> dict[str, Any]:
    message: dict[str, Any] = orjson.loads(await asyncio.wait_for(ws.recv(), WAIT))
    return message


async def _send(ws: ServerConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


@contextlib.asynccontextmanager
async def scripted(script: Script, protocols: bool = True) -> AsyncIterator[str]:
    async with serve(
        script,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("graphql-transport-ws")] if protocols else None,
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/graphql"


def _request(url: str, **kw: Any) -> UpstreamRequest:
    return UpstreamRequest(
        service="reviews",
        url=url,
        query="subscription{reviewAdded{body}}",
        **kw,
    )


async def _collect(upstream: WebSocketUpstream, request: UpstreamRequest) -> list[Any]:
    out = []
    async with contextlib.aclosing(upstream.events(request)) as events:
        async for event in events:
            out.append(event)
    return out


async def test_init_ack_subscribe_events_and_complete() -> None:
    seen: dict[str, Any] = {}

    async def script(ws: ServerConnection) -> None:
        assert ws.request is not None
        seen["header"] = ws.request.headers.get("x-rumah-role")
        seen["init"] = await _json(ws)
        await _send(ws, {"type": "ping", "payload": {"t": 1}})
        seen["pong"] = await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        seen["subscribe"] = await _json(ws)
        await _send(ws, {"type": "ping"})
        seen["pong2"] = await _json(ws)
        for n in range(2):
            await _send(ws, {"id": "1", "type": "next", "payload": {"data": {"n": n}}})
        await _send(ws, {"id": "1", "type": "complete"})
        await ws.wait_closed()

    async with scripted(script) as url:
        request = _request(
            url,
            operation_name="Op__reviews__0",
            variables={"m": 1},
            init_payload={"rumahRole": "auditor"},
            headers={"x-rumah-role": "auditor"},
        )
        events = await _collect(WebSocketUpstream(), request)
    assert events == [{"data": {"n": 0}}, {"data": {"n": 1}}]
    assert seen == {
        "header": "auditor",
        "init": {"type": "connection_init", "payload": {"rumahRole": "auditor"}},
        "pong": {"type": "pong"},
        "subscribe": {
            "id": "1",
            "type": "subscribe",
            "payload": {
                "query": "subscription{reviewAdded{body}}",
                "operationName": "Op__reviews__0",
                "variables": {"m": 1},
            },
        },
        "pong2": {"type": "pong"},
    }


async def test_leaving_early_sends_complete_upstream_and_closes() -> None:
    seen: list[Any] = []
    done = asyncio.Event()

    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        await _json(ws)
        await _send(ws, {"id": "1", "type": "next", "payload": {"data": {}}})
        seen.append(await _json(ws))
        await ws.wait_closed()
        seen.append(ws.close_code)
        done.set()

    async with scripted(script) as url:
        async with contextlib.aclosing(WebSocketUpstream().events(_request(url))) as events:
            async for _ in events:
                break
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == [{"id": "1", "type": "complete"}, 1000]


async def test_cancelling_the_consumer_stops_the_upstream() -> None:
    done = asyncio.Event()
    subscribed = asyncio.Event()
    seen: list[Any] = []

    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        await _json(ws)
        subscribed.set()
        seen.append(await _json(ws))
        await ws.wait_closed()
        done.set()

    async with scripted(script) as url:
        task = asyncio.create_task(_collect(WebSocketUpstream(), _request(url)))
        await asyncio.wait_for(subscribed.wait(), WAIT)
        task.cancel()
        await asyncio.wait({task})
        await asyncio.wait_for(done.wait(), WAIT)
    assert seen == [{"id": "1", "type": "complete"}]


async def _failure(script: Script, protocols: bool = True, **kw: Any) -> UpstreamFailure:
    async with scripted(script, protocols) as url:
        with pytest.raises(UpstreamFailure) as info:
            await _collect(WebSocketUpstream(**kw), _request(url))
    assert info.value.service == "reviews"
    return info.value


async def test_an_error_message_carries_the_subgraph_errors() -> None:
    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        await _json(ws)
        await _send(ws, {"id": "1", "type": "error", "payload": [{"message": "no such field"}]})
        await ws.wait_closed()

    failure = await _failure(script)
    assert failure.errors == [{"message": "no such field"}]


async def test_a_close_without_complete_is_a_failure_naming_the_close() -> None:
    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        await _json(ws)
        await _send(ws, {"id": "1", "type": "next", "payload": {"data": {}}})
        await ws.close(1011, "subgraph restarting")

    failure = await _failure(script)
    assert failure.code == "SUBSCRIPTION_UPSTREAM_CLOSED"
    assert str(failure) == "Subgraph 'reviews' closed the subscription (1011: subgraph restarting)"


async def test_a_rejected_init_is_a_failure() -> None:
    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await ws.close(4403, "Forbidden")

    failure = await _failure(script)
    assert str(failure) == "Subgraph 'reviews' closed the subscription (4403: Forbidden)"


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        ("not json", "Subgraph 'reviews' sent a malformed message"),
        (
            '{"id": "1", "type": "next", "payload": 3}',
            "Subgraph 'reviews' sent a next without a result",
        ),
        (
            '{"id": "9", "type": "next", "payload": {}}',
            "Subgraph 'reviews' sent an unexpected 'next' message",
        ),
        ('{"type": "subscribe"}', "Subgraph 'reviews' sent an unexpected 'subscribe' message"),
    ],
)
async def test_protocol_violations_are_failures(reply: str, message: str) -> None:
    async def script(ws: ServerConnection) -> None:
        await _json(ws)
        await _send(ws, {"type": "connection_ack"})
        await _json(ws)
        await ws.send(reply)
        await ws.wait_closed()

    failure = await _failure(script)
    assert (failure.code, str(failure)) == ("SUBSCRIPTION_UPSTREAM_FAILED", message)


async def test_a_subgraph_without_the_subprotocol_is_a_failure() -> None:
    async def script(ws: ServerConnection) -> None:
        await ws.wait_closed()

    failure = await _failure(script, protocols=False)
    assert str(failure) == "Subgraph 'reviews' does not speak graphql-transport-ws on its WebSocket"


async def test_no_ack_in_time_is_a_failure() -> None:
    async def script(ws: ServerConnection) -> None:
        await ws.wait_closed()

    failure = await _failure(script, open_timeout=0.2)
    assert str(failure) == "Subgraph 'reviews' did not acknowledge the connection in time"


async def test_an_unreachable_subgraph_is_a_failure() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(UpstreamFailure) as info:
        await _collect(WebSocketUpstream(), _request(f"ws://127.0.0.1:{port}/graphql"))
    assert info.value.code == "SUBSCRIPTION_UPSTREAM_FAILED"
    assert str(info.value).startswith("WebSocket subscription to 'reviews' failed: ")
