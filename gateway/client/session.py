"""The subgraph transport's lifecycle (one per gateway process, opened by the lifespan).

Keep-alive connections are reused across requests and supergraph reloads and closed on
exit; nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

import aiohttp
import orjson

from gateway.client.h1 import Http1Client
from gateway.client.http_fetcher import AiohttpTransport, NativeTransport, Transport

ClientKind = Literal["native", "aiohttp"]


@asynccontextmanager
async def subgraph_session(pool_size: int = 512) -> AsyncIterator[aiohttp.ClientSession]:
    """An aiohttp keep-alive session; closed (with its sockets) on exit."""
    connector = aiohttp.TCPConnector(
        limit=pool_size, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300
    )
    session = aiohttp.ClientSession(
        connector=connector,
        json_serialize=lambda obj: orjson.dumps(obj).decode(),
        skip_auto_headers=("User-Agent",),
    )
    try:
        yield session
    finally:
        await session.close()


@asynccontextmanager
async def subgraph_transport(
    kind: ClientKind = "native", pool_size: int = 512, connect_timeout: float = 5.0
) -> AsyncIterator[Transport]:
    """The transport every subgraph request (and health probe) goes through."""
    if kind == "aiohttp":
        async with subgraph_session(pool_size) as session:
            yield AiohttpTransport(session, connect_timeout)
        return
    client = Http1Client(limit_per_origin=pool_size, connect_timeout=connect_timeout)
    try:
        yield NativeTransport(client)
    finally:
        client.close()
