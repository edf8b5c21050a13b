"""Random frame sequences against a whole connection: the endpoint never raises, ends with
a known close code (or the client's disconnect), and never leaves an upstream open."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import asyncio
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from subs_support import WAIT, FakeSocket, gateway, review

from gateway.subscriptions import SubscriptionOptions

KNOWN_CLOSE_CODES = {4400, 4401, 4403, 4408, 4409, 4413, 4429}

_queries = st.sampled_from(
    [
        "subscription { reviewAdded { body product { name } } }",
        "{ topProducts { name } }",
        "subscription { reviewAdded { nope } }",
        "subscription {",
        "query A { __typename } query B { __typename }",
        "",
    ]
)
_ids = st.sampled_from(["1", "2", "x", ""]) | st.integers(0, 9) | st.none()
_message = st.one_of(
    st.just({"type": "connection_init"}),
    st.builds(
        lambda p: {"type": "connection_init", "payload": p},
        st.none()
        | st.dictionaries(st.sampled_from(["token", "x"]), st.text("ab", max_size=3))
        | st.integers(0, 9),
    ),
    st.builds(
        lambda p: {"type": "ping", "payload": p}, st.none() | st.just({"a": 1}) | st.just("p")
    ),
    st.just({"type": "pong"}),
    st.builds(
        lambda i, q, v: {"id": i, "type": "subscribe", "payload": {"query": q, "variables": v}},
        _ids,
        _queries,
        st.none() | st.just({"m": 1}) | st.lists(st.integers(0, 9)),
    ),
    st.builds(lambda i: {"id": i, "type": "complete"}, _ids),
    st.builds(lambda t: {"type": t}, st.sampled_from(["next", "error", "connection_ack", "zzz"])),
)
_frame = st.one_of(
    _message.map(lambda m: ("text", orjson.dumps(m).decode())),
    st.text(st.characters(codec="utf-8"), max_size=20).map(lambda t: ("text", t)),
    st.binary(max_size=20).map(lambda b: ("bytes", b)),
    st.just(("event", None)),  # an upstream event for every open subscription
)


async def _drive(frames: list[tuple[str, Any]]) -> None:
    gw = gateway(options=SubscriptionOptions(keepalive_interval=0, max_subscriptions=2))
    socket = FakeSocket()
    task = asyncio.create_task(gw.endpoint(socket.scope, socket.receive, socket.send))
    for kind, data in frames:
        if kind == "event":
            for queue in gw.upstream.queues:
                queue.put_nowait(review())
        elif kind == "text":
            socket.send_text(data)
        else:
            socket.send_bytes(data)
        await asyncio.sleep(0)
    socket.disconnect()
    await asyncio.wait_for(task, WAIT)  # re-raises anything the endpoint raised
    sent = [socket.outgoing.get_nowait() for _ in range(socket.outgoing.qsize())]
    closes = [m for m in sent if m["type"] == "websocket.close"]
    assert len(closes) <= 1
    if closes:
        assert closes[0]["code"] in KNOWN_CLOSE_CODES, closes[0]
        assert sent[-1] is closes[0]
    for message in sent:
        if message["type"] == "websocket.send":
            assert type(orjson.loads(message["text"])) is dict
    assert gw.upstream.closed == len(gw.upstream.queues)


_INIT = ("text", '{"type":"connection_init"}')


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans(), st.lists(_frame, max_size=12))
def test_random_frames_never_crash_the_endpoint(
    initialised: bool, frames: list[tuple[str, Any]]
) -> None:
    # half the runs start acknowledged, so operations and upstreams get exercised too
    asyncio.run(_drive([_INIT, *frames] if initialised else frames))
