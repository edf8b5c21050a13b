"""The pooled aiohttp session every subgraph request goes through (one per gateway process).

Keep-alive connections are reused across requests and supergraph reloads; the session is
opened and closed by the app's lifespan, never at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import orjson


@asynccontextmanager
async def subgraph_session(pool_size: int = 512) -> AsyncIterator[aiohttp.ClientSession]:
    """Open a keep-alive session; close it (and its sockets) on exit."""
    connector = aiohttp.TCPConnector(
        limit=pool_size,
        limit_per_host=0,
        keepalive_timeout=60,
        ttl_dns_cache=300,
    )
    session = aiohttp.ClientSession(
        connector=connector,
        json_serialize=lambda obj: orjson.dumps(obj).decode(),
        skip_auto_headers=("User-Agent",),
        auto_decompress=True,
    )
    try:
        yield session
    finally:
        await session.close()
