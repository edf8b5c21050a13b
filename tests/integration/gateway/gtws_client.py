"""A small graphql-transport-ws client over ``websockets`` — what the tests talk to the
gateway with (protocol per the graphql-ws library's PROTOCOL.md)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

PROTOCOL = Subprotocol("graphql-transport-ws")
WAIT = 10.0  # hang guard only


class Closed(Exception):
    def __init__(self, code: int | None, reason: str) -> None:
        super().__init__(f"closed {code} {reason!r}")
        self.code, self.reason = code, reason


class GraphQLWsClient:
    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def receive(self) -> dict[str, Any]:
        """The next message; ``Closed`` (with code and reason) when the server closed."""
        try:
            raw = await asyncio.wait_for(self.ws.recv(), WAIT)
        except ConnectionClosed as exc:
            close = exc.rcvd
            raise Closed(close.code if close else None, close.reason if close else "") from None
        message: dict[str, Any] = orjson.loads(raw)
        return message

    async def init(self, payload: dict[str, Any] | None = None) -> dict[str, Any]:
        await self.send({"type": "connection_init", **({"payload": payload} if payload else {})})
        return await self.receive()

    async def subscribe(
        self, op_id: str, query: str, variables: dict[str, Any] | None = None
    ) -> None:
        payload: dict[str, Any] = {"query": query}
        if variables:
            payload["variables"] = variables
        await self.send({"id": op_id, "type": "subscribe", "payload": payload})

    async def complete(self, op_id: str) -> None:
        await self.send({"id": op_id, "type": "complete"})

    async def closed(self) -> Closed:
        """Read until the server closes; the close."""
        while True:
            try:
                await self.receive()
            except Closed as closed:
                return closed


@contextlib.asynccontextmanager
async def gql_ws(
    url: str,
    *,
    subprotocols: list[Subprotocol] | None = None,
    headers: dict[str, str] | None = None,
    **kw: Any,
) -> AsyncIterator[GraphQLWsClient]:
    async with connect(
        url,
        subprotocols=[PROTOCOL] if subprotocols is None else subprotocols,
        additional_headers=headers,
        proxy=None,
        open_timeout=WAIT,
        **kw,
    ) as ws:
        yield GraphQLWsClient(ws)
