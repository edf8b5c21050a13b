"""``Upstream`` over graphql-transport-ws with the ``websockets`` library.

One upstream socket per client subscription: connect → ``connection_init`` (the principal)
→ wait for ``connection_ack`` (answering pings) → ``subscribe`` → ``next``… until
``complete``. Leaving early (client ``complete``, client gone) sends ``complete`` upstream
and closes the socket. Per-subscription sockets keep each subscription's failure and flow
control its own; multiplexing onto one socket per subgraph would save sockets, not work.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncGenerator, Mapping
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidURI
from websockets.protocol import State
from websockets.typing import Subprotocol

from gateway.client.propagation import outgoing_headers
from gateway.subscriptions.messages import PROTOCOL
from gateway.subscriptions.upstream import UPSTREAM_CLOSED, UpstreamFailure, UpstreamRequest

_OP_ID = "1"  # one operation per upstream socket
_PONG = b'{"type":"pong"}'


class WebSocketUpstream:
    def __init__(
        self,
        *,
        open_timeout: float = 10.0,
        close_timeout: float = 2.0,
        max_message_bytes: int = 16 * 1024 * 1024,
    ) -> None:
        self.open_timeout = open_timeout  # connect + handshake, then again for the ack
        self.close_timeout = close_timeout
        self.max_message_bytes = max_message_bytes

    async def events(self, request: UpstreamRequest) -> AsyncGenerator[Mapping[str, Any], None]:
        service = request.service
        try:
            ws = await connect(
                request.url,
                subprotocols=[Subprotocol(PROTOCOL)],
                additional_headers=dict(outgoing_headers(request.headers) or {}),
                open_timeout=self.open_timeout,
                close_timeout=self.close_timeout,
                max_size=self.max_message_bytes,
                compression=None,  # subgraphs are near: CPU matters more than bytes
                proxy=None,  # never route subgraph traffic through an environment proxy
                user_agent_header="rumah-gateway",
            )
        except (OSError, TimeoutError, InvalidHandshake, InvalidURI, ValueError) as exc:
            detail = str(exc) or type(exc).__name__
            raise UpstreamFailure(
                service, f"WebSocket subscription to '{service}' failed: {detail}"
            ) from None
        finished = False  # the subgraph ended the operation itself (complete or error)
        try:
            if ws.subprotocol != PROTOCOL:
                raise UpstreamFailure(
                    service, f"Subgraph '{service}' does not speak {PROTOCOL} on its WebSocket"
                )
            init = {"type": "connection_init", "payload": dict(request.init_payload or {})}
            await ws.send(orjson.dumps(init), text=True)
            await self._acknowledged(ws, service)
            payload: dict[str, Any] = {"query": request.query}
            if request.operation_name:
                payload["operationName"] = request.operation_name
            if request.variables:
                payload["variables"] = dict(request.variables)
            await ws.send(
                orjson.dumps({"id": _OP_ID, "type": "subscribe", "payload": payload}), text=True
            )
            while True:
                message = await _receive(ws, service)
                kind = message["type"]
                if kind == "ping":
                    await ws.send(_PONG, text=True)
                elif kind == "pong":
                    continue
                elif message.get("id") != _OP_ID:
                    raise _unexpected(service, kind)
                elif kind == "next":
                    result = message.get("payload")
                    if type(result) is not dict:
                        raise UpstreamFailure(
                            service, f"Subgraph '{service}' sent a next without a result"
                        )
                    yield result
                elif kind == "complete":
                    finished = True
                    return
                elif kind == "error":
                    finished = True
                    errors = message.get("payload")
                    raise UpstreamFailure(
                        service,
                        f"Subgraph '{service}' rejected the subscription",
                        errors=errors if isinstance(errors, list) else [errors],
                    )
                else:
                    raise _unexpected(service, kind)
        except ConnectionClosed as exc:  # a send into a socket the subgraph closed
            raise _closed(service, exc) from None
        finally:
            if not finished and ws.state is State.OPEN:
                with contextlib.suppress(ConnectionClosed):
                    await ws.send(orjson.dumps({"id": _OP_ID, "type": "complete"}), text=True)
            await ws.close()

    async def _acknowledged(self, ws: ClientConnection, service: str) -> None:
        try:
            async with asyncio.timeout(self.open_timeout):
                while True:
                    message = await _receive(ws, service)
                    kind = message["type"]
                    if kind == "connection_ack":
                        return
                    if kind == "ping":
                        await ws.send(_PONG, text=True)
                    elif kind != "pong":
                        raise _unexpected(service, kind)
        except TimeoutError:
            raise UpstreamFailure(
                service, f"Subgraph '{service}' did not acknowledge the connection in time"
            ) from None


async def _receive(ws: ClientConnection, service: str) -> dict[str, Any]:
    try:
        raw = await ws.recv()
    except ConnectionClosed as exc:
        raise _closed(service, exc) from None
    try:
        message = orjson.loads(raw)
    except orjson.JSONDecodeError:
        message = None
    if type(message) is not dict or type(message.get("type")) is not str:
        raise UpstreamFailure(service, f"Subgraph '{service}' sent a malformed message")
    return message


def _unexpected(service: str, kind: str) -> UpstreamFailure:
    return UpstreamFailure(service, f"Subgraph '{service}' sent an unexpected {kind!r} message")


def _closed(service: str, exc: ConnectionClosed) -> UpstreamFailure:
    close = exc.rcvd or exc.sent
    detail = ""
    if close is not None:
        detail = f" ({close.code}: {close.reason})" if close.reason else f" ({close.code})"
    return UpstreamFailure(
        service,
        f"Subgraph '{service}' closed the subscription{detail}",
        UPSTREAM_CLOSED,
    )
