"""The subgraph transport's lifecycle (one per gateway process, opened by the lifespan).

Keep-alive connections are reused across requests and supergraph reloads and closed on
exit; nothing is created at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Literal

from gateway.client.h1 import Http1Client
from gateway.client.http_fetcher import NativeTransport, Transport

ClientKind = Literal["native", "aiohttp"]


@asynccontextmanager
async def subgraph_transport(
    kind: ClientKind = "native", pool_size: int = 512, connect_timeout: float = 5.0
) -> AsyncIterator[Transport]:
    """The transport every subgraph request (and health probe) goes through."""
    if kind == "aiohttp":
        from gateway.client.aiohttp_transport import AiohttpTransport, subgraph_session

        async with subgraph_session(pool_size) as session:
            yield AiohttpTransport(session, connect_timeout)
        return
    client = Http1Client(limit_per_origin=pool_size, connect_timeout=connect_timeout)
    try:
        yield NativeTransport(client)
    finally:
        client.close()
