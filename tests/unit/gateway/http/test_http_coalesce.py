"""uvicorn with the coalescing protocol: responses, streaming, keep-alive and WebSocket
upgrades still behave."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
import uvicorn

from gateway.http.coalesce import CoalescingHttpToolsProtocol


async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            await send({"type": message["type"] + ".complete"})
            if message["type"] == "lifespan.shutdown":
                return
    if scope["type"] == "websocket":
        await receive()
        await send({"type": "websocket.accept"})
        message = await receive()
        await send({"type": "websocket.send", "text": "echo:" + message["text"]})
        await send({"type": "websocket.close"})
        return
    if scope["path"] == "/stream":
        await send({"type": "http.response.start", "status": 200, "headers": []})
        for part in (b"a", b"b", b"c"):
            await send({"type": "http.response.body", "body": part, "more_body": True})
            await asyncio.sleep(0.01)  # separate loop iterations: separate flushes
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        return
    body = b"x" * int(scope["query_string"] or b"5")
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def base_url() -> AsyncIterator[str]:
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http=CoalescingHttpToolsProtocol,
        ws="websockets-sansio",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def test_keep_alive_responses_and_streaming(base_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for size in (0, 5, 200_000):
            async with session.get(f"{base_url}/?{size}") as response:
                assert response.status == 200
                assert await response.read() == b"x" * size
        async with session.get(f"{base_url}/stream") as response:
            assert await response.read() == b"abc"
        async with session.get(f"{base_url}/", headers={"connection": "close"}) as response:
            assert await response.read() == b"xxxxx"


async def test_websocket_upgrade(base_url: str) -> None:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{base_url}/ws") as ws:
            await ws.send_str("hi")
            assert (await ws.receive()).data == "echo:hi"


async def test_writes_of_one_loop_iteration_become_one_syscall() -> None:
    from gateway.http.coalesce import _CoalescingTransport

    class Recorder:
        def __init__(self) -> None:
            self.writes: list[bytes] = []
            self.closed = False

        def write(self, data: bytes) -> None:
            self.writes.append(data)

        def is_closing(self) -> bool:
            return self.closed

        def close(self) -> None:
            self.closed = True

    real = Recorder()
    wrapped = _CoalescingTransport(real, asyncio.get_running_loop())  # type: ignore[arg-type]
    wrapped.write(b"HTTP/1.1 200 OK\r\n\r\n")
    wrapped.write(b"body")
    assert real.writes == []
    await asyncio.sleep(0)
    assert real.writes == [b"HTTP/1.1 200 OK\r\n\r\nbody"]
    wrapped.write(b"last")
    wrapped.close()  # flushes before closing
    assert real.writes[-1] == b"last" and real.closed
