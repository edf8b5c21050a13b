"""A client that stops reading is closed 4413 by the gateway instead of growing its memory;
another client on the same gateway keeps receiving its events meanwhile."""

from __future__ import annotations

import asyncio
import logging
import socket
from urllib.parse import urlsplit

import pytest
from gtws_client import Closed, gql_ws
from gw_servers import GatewayFactory, Subgraphs


def _small_receive_window(url: str) -> socket.socket:
    """A connected socket with a tiny receive buffer, so a client that does not read
    pushes back on the gateway after kilobytes instead of megabytes of kernel buffers."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    sock.setblocking(False)
    return sock


async def _logged(caplog: pytest.LogCaptureFixture, event: str) -> None:
    async def until() -> None:
        while not any(r.getMessage() == event for r in caplog.records):  # noqa: ASYNC110
            await asyncio.sleep(0.01)

    await asyncio.wait_for(until(), 30)


async def test_a_slow_subscriber_is_closed_and_others_are_unaffected(
    subgraphs: Subgraphs, start_gateway: GatewayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.subscriptions")
    gateway = await start_gateway(
        ws_send_buffer_messages=16, ws_send_buffer_bytes=128 * 1024, ws_close_timeout=60
    )
    world = subgraphs.world
    async with gql_ws(gateway.ws) as fast:
        await fast.init()
        await fast.subscribe("f", "subscription { reviewAdded { body product { name } } }")
        await world.wait("started", 1)
        sock = _small_receive_window(gateway.ws)
        # no permessage-deflate: the 16 KB bodies must really be 16 KB on the wire
        async with gql_ws(gateway.ws, sock=sock, max_queue=1, compression=None) as slow:
            await slow.init()
            # an endless stream of 16 KB events that this client never reads
            await slow.subscribe(
                "s", "subscription { burst(count: 1000000, size: 16384) { body } }"
            )
            await world.wait("started", 2)
            # the gateway gives up on the slow client (and stops its upstream subscription)
            await _logged(caplog, "subscriptions.slow_consumer")
            for n in range(20):
                world.publish(str(n), f"event {n}")
            for n in range(20):
                message = await fast.receive()
                review = message["payload"]["data"]["reviewAdded"]
                assert review == {"body": f"event {n}", "product": {"name": f"Product {n}"}}
            # what was in flight (kernel buffers, the send buffer) arrives, then the close
            while True:
                try:
                    message = await slow.receive()
                except Closed as exc:
                    closed = exc
                    break
                assert (message["id"], message["type"]) == ("s", "next")
            assert (closed.code, closed.reason) == (4413, "Slow consumer: outgoing buffer exceeded")
        # the fast connection is still fine
        await fast.send({"type": "ping"})
        assert await fast.receive() == {"type": "pong"}
    [record] = [r for r in caplog.records if r.getMessage() == "subscriptions.slow_consumer"]
    assert record.__dict__["waiting_frames"] <= 16
