"""graphql-transport-ws protocol behaviour of the endpoint, driven in-process."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import asyncio

import pytest
from subs_support import (
    SUBSCRIPTION,
    FakeSocket,
    connect,
    connected,
    finished,
    gateway,
    review,
    subscribe,
)

from gateway.subscriptions import SubscriptionOptions


async def test_connection_init_is_acknowledged() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    socket.disconnect()
    await finished(task)


async def test_init_payload_may_be_null_or_an_object() -> None:
    gw = gateway()
    socket, task = await connect(gw)
    socket.send_json({"type": "connection_init", "payload": None})
    assert await socket.frame() == {"type": "connection_ack"}
    socket.disconnect()
    await finished(task)


async def test_every_ping_gets_a_pong_echoing_its_payload_even_before_init() -> None:
    gw = gateway()
    socket, task = await connect(gw)
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}
    socket.send_json({"type": "ping", "payload": {"n": 1}})
    assert await socket.frame() == {"type": "pong", "payload": {"n": 1}}
    socket.send_json({"type": "connection_init"})
    assert await socket.frame() == {"type": "connection_ack"}
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}
    socket.send_json({"type": "pong", "payload": {"unsolicited": True}})  # ignored
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}
    socket.disconnect()
    await finished(task)


async def test_the_server_pings_and_accepts_pongs() -> None:
    gw = gateway(options=SubscriptionOptions(keepalive_interval=0.01))
    socket, task = await connected(gw)
    assert await socket.frame() == {"type": "ping"}
    socket.send_json({"type": "pong"})
    assert await socket.frame() == {"type": "ping"}
    socket.disconnect()
    await finished(task)


async def test_no_init_in_time_closes_4408() -> None:
    gw = gateway(options=SubscriptionOptions(init_timeout=0.05, keepalive_interval=0))
    socket, task = await connect(gw)
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4408, "Connection initialisation timeout")
    await finished(task)


async def test_a_second_connection_init_closes_4429() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    socket.send_json({"type": "connection_init"})
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4429, "Too many initialisation requests")
    await finished(task)


async def test_subscribe_before_ack_closes_4401() -> None:
    gw = gateway()
    socket, task = await connect(gw)
    subscribe(socket)
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4401, "Unauthorized")
    await finished(task)
    assert gw.upstream.requests == []


async def test_a_duplicate_active_id_closes_4409_and_stops_its_upstream() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s1")
    await gw.upstream.wait_open()
    subscribe(socket, "s1")
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4409, "Subscriber for s1 already exists")
    await finished(task)
    assert gw.upstream.closed == 1


@pytest.mark.parametrize(
    ("frame", "reason"),
    [
        ("not json", "Invalid message received: not JSON"),
        ("[1, 2]", "Message is expected to be an object"),
        ('{"payload": {}}', 'Message is missing the "type" property'),
        ('{"type": "shout"}', 'Invalid message "type" property "shout"'),
        (
            '{"type": "next", "id": "1", "payload": {}}',
            'Unexpected message of type "next" received',
        ),
        ('{"type": "connection_ack"}', 'Unexpected message of type "connection_ack" received'),
        (
            '{"type": "ping", "payload": 3}',
            '"ping" message expects the "payload" property to be an object',
        ),
        (
            '{"type": "subscribe", "payload": {"query": "{ a }"}}',
            '"subscribe" message requires a non-empty "id" property',
        ),
        (
            '{"type": "subscribe", "id": "1"}',
            '"subscribe" message expects the "payload" property to be an object',
        ),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": 1}}',
            '"subscribe" message payload expects the "query" property to be a string',
        ),
        (
            '{"type": "subscribe", "id": "1", "payload": {"query": "{a}", "variables": []}}',
            '"subscribe" message payload "variables" must be an object or null',
        ),
        ('{"type": "complete", "id": ""}', '"complete" message requires a non-empty "id" property'),
    ],
)
async def test_malformed_or_unexpected_messages_close_4400_with_a_reason(
    frame: str, reason: str
) -> None:
    gw = gateway()
    socket, task = await connected(gw)
    socket.send_text(frame)
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4400, reason)
    await finished(task)


async def test_binary_frames_are_read_as_utf8_json() -> None:
    gw = gateway()
    socket, task = await connect(gw)
    socket.send_bytes(b'{"type": "connection_init"}')
    assert await socket.frame() == {"type": "connection_ack"}
    socket.send_bytes(b"\xff\xfe")
    assert (await socket.closed()).code == 4400
    await finished(task)


async def test_a_long_reason_is_cut_to_fit_a_close_frame() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "x" * 300)
    await gw.upstream.wait_open()
    subscribe(socket, "x" * 300)
    closed = await socket.closed()
    assert closed.code == 4409
    assert closed.reason.startswith("Subscriber for xxx")
    assert len(closed.reason.encode()) <= 123
    await finished(task)


async def test_without_the_subprotocol_the_socket_is_closed_4406() -> None:
    gw = gateway()
    socket, task = await connect(gw, FakeSocket(subprotocols=("graphql-ws",)))
    closed = await socket.closed()
    assert (closed.code, closed.reason) == (4406, "Subprotocol not acceptable")
    await finished(task)


async def test_the_accept_names_the_subprotocol() -> None:
    gw = gateway()
    socket = FakeSocket(subprotocols=("graphql-ws", "graphql-transport-ws"))
    task = asyncio.create_task(gw.endpoint(socket.scope, socket.receive, socket.send))
    accept = await socket.message()
    assert accept == {"type": "websocket.accept", "subprotocol": "graphql-transport-ws"}
    socket.disconnect()
    await finished(task)


async def test_a_query_sent_through_subscribe_runs_once() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "q", "{ topProducts { name } }")
    assert await socket.frame() == {
        "id": "q",
        "type": "next",
        "payload": {"data": {"topProducts": [{"name": "Chair"}]}},
    }
    assert await socket.frame() == {"id": "q", "type": "complete"}
    subscribe(socket, "q", "query Again { __typename }")  # the id is free again
    assert await socket.frame() == {
        "id": "q",
        "type": "next",
        "payload": {"data": {"__typename": "Query"}},
    }
    assert await socket.frame() == {"id": "q", "type": "complete"}
    socket.disconnect()
    await finished(task)


async def test_an_invalid_operation_gets_an_error_message_and_the_connection_stays() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "bad", "subscription { reviewAdded { nope } }")
    frame = await socket.frame()
    assert frame["id"] == "bad" and frame["type"] == "error"
    [error] = frame["payload"]
    assert error["message"] == 'Cannot query field "nope" on type "Review".'
    assert error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    subscribe(socket, "parse", "subscription {")
    frame = await socket.frame()
    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    subscribe(socket, "vars", "subscription($m: Int!) { reviewAdded(minStars: $m) { body } }")
    frame = await socket.frame()
    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}  # no complete after an error
    socket.disconnect()
    await finished(task)


async def test_before_the_supergraph_loads_operations_get_an_error() -> None:
    gw = gateway(loaded=False)
    socket, task = await connected(gw)
    subscribe(socket, "1", SUBSCRIPTION)
    frame = await socket.frame()
    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    socket.disconnect()
    await finished(task)


async def test_complete_from_the_client_stops_the_upstream_and_its_frames() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    gw.upstream.push(review("r1"))
    assert (await socket.frame())["type"] == "next"
    socket.send_json({"id": "s", "type": "complete"})
    await gw.upstream.wait_closed()
    socket.send_json({"id": "unknown", "type": "complete"})  # ignored
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}  # no next/complete for "s"
    subscribe(socket, "s")  # the id may be used again
    await gw.upstream.wait_open(2)
    gw.upstream.push(review("r2"))
    frame = await socket.frame()
    assert (frame["id"], frame["type"]) == ("s", "next")
    socket.disconnect()
    await finished(task)
    assert gw.upstream.closed == 2


async def test_a_client_leaving_stops_every_upstream() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    for op_id in ("a", "b", "c"):
        subscribe(socket, op_id)
    await gw.upstream.wait_open(3)
    socket.disconnect()
    await finished(task)
    assert gw.upstream.closed == 3


async def test_operations_beyond_the_per_connection_limit_get_an_error() -> None:
    gw = gateway(options=SubscriptionOptions(max_subscriptions=1, keepalive_interval=0))
    socket, task = await connected(gw)
    subscribe(socket, "a")
    await gw.upstream.wait_open()
    subscribe(socket, "b")
    frame = await socket.frame()
    assert (frame["id"], frame["type"]) == ("b", "error")
    assert frame["payload"][0]["extensions"]["code"] == "SUBSCRIPTION_LIMIT_EXCEEDED"
    gw.upstream.end()
    assert await socket.frame() == {"id": "a", "type": "complete"}
    subscribe(socket, "b")  # room again
    await gw.upstream.wait_open(2)
    socket.disconnect()
    await finished(task)


async def test_connections_beyond_the_limit_are_closed_1013() -> None:
    gw = gateway(options=SubscriptionOptions(max_connections=1, keepalive_interval=0))
    first, first_task = await connected(gw)
    second, second_task = await connect(gw)
    closed = await second.closed()
    assert (closed.code, closed.reason) == (1013, "Too many connections")
    await finished(second_task)
    first.disconnect()
    await finished(first_task)
    third, third_task = await connected(gw)  # the slot is free again
    third.disconnect()
    await finished(third_task)
