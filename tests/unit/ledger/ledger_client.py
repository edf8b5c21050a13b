"""A running ledger app for tests, and a minimal graphql-transport-ws client."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.typing import Subprotocol

from rumah.common.clock import Clock
from services.kit.scopes import ROLE_SCOPES
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, serve_app
from services.ledger.app import create_app
from services.ledger.settings import LedgerSettings

KEYS = SigningKeys()  # the test gateway's key: ledgers in these tests trust it


def as_(
    *roles: str, opd: str | None = None, scopes: Iterable[str] | None = None
) -> Mapping[str, str]:
    """The credential the gateway would send the ledger for such a principal (scopes: the
    roles' usual ones unless given)."""
    if scopes is None:
        scopes = {s for role in roles for s in ROLE_SCOPES.get(role, ())}
    return KEYS.headers("ledger", roles=roles, opd=opd, scopes=scopes)


@dataclass
class RunningLedger:
    url: str
    http: aiohttp.ClientSession

    async def graphql(
        self, query: str, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> dict[str, Any]:
        payload = {"query": query, "variables": variables}
        async with self.http.post(f"{self.url}/graphql", json=payload, headers=headers) as r:
            body: dict[str, Any] = await r.json()
        return body

    async def data(
        self, query: str, headers: Mapping[str, str] | None = None, **variables: Any
    ) -> Any:
        body = await self.graphql(query, headers, **variables)
        assert not body.get("errors"), body
        return body["data"]

    async def get(self, path: str) -> tuple[int, Any]:
        async with self.http.get(f"{self.url}{path}") as r:
            return r.status, await r.json()

    async def head(self) -> int:
        found = await self.data("{ ledgerHead { seq } }", as_("auditor"))
        return int(found["ledgerHead"]["seq"])

    async def wait_head(self, seq: int, timeout_s: float = 30) -> None:
        async def reached() -> bool:
            return await self.head() >= seq

        await eventually(reached, timeout_s=timeout_s, what=f"ledger head {seq}")

    @contextlib.asynccontextmanager
    async def subscription(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        init: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[GtwsOperation]:
        ws_url = self.url.replace("http://", "ws://") + "/graphql"
        protocols = [Subprotocol("graphql-transport-ws")]
        async with connect(ws_url, subprotocols=protocols, additional_headers=headers) as ws:
            await ws.send(
                orjson.dumps({"type": "connection_init", "payload": dict(init or {})}).decode()
            )
            ack = orjson.loads(await ws.recv())
            assert ack["type"] == "connection_ack", ack
            payload = {"query": query, "variables": dict(variables or {})}
            await ws.send(
                orjson.dumps({"id": "1", "type": "subscribe", "payload": payload}).decode()
            )
            yield GtwsOperation(ws)
            with contextlib.suppress(Exception):
                await ws.send(orjson.dumps({"id": "1", "type": "complete"}).decode())


@dataclass
class GtwsOperation:
    ws: ClientConnection

    async def message(self) -> dict[str, Any]:
        """The next message for the operation (pings are answered)."""
        while True:
            msg: dict[str, Any] = orjson.loads(await self.ws.recv())
            if msg["type"] == "ping":
                await self.ws.send('{"type":"pong"}')
                continue
            return msg

    async def next(self) -> dict[str, Any]:
        msg = await self.message()
        assert msg["type"] == "next" and not msg["payload"].get("errors"), msg
        data: dict[str, Any] = msg["payload"]["data"]
        return data


@contextlib.asynccontextmanager
async def running_ledger(
    settings: LedgerSettings, clock: Clock | None = None
) -> AsyncIterator[RunningLedger]:
    app = create_app(settings) if clock is None else create_app(settings, clock=clock)
    async with serve_app(app) as url, aiohttp.ClientSession() as http:
        ledger = RunningLedger(url, http)

        async def ready() -> bool:
            return (await ledger.get("/health/ready"))[0] == 200

        await eventually(ready, timeout_s=30, what="ledger ready")
        yield ledger
