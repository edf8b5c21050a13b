"""The aiohttp transport (``RUMAH_GATEWAY_SUBGRAPH_CLIENT=aiohttp``), imported only when
selected: aiohttp costs most of a second to import."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager

import aiohttp
import orjson

from gateway.client.h1 import HttpError, RequestTimeout, decode_headers


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


class AiohttpTransport:
    _HEADERS = {"content-type": "application/json", "accept": "application/json"}

    def __init__(self, session: aiohttp.ClientSession, connect_timeout: float = 5.0) -> None:
        self._session = session
        self._connect_timeout = connect_timeout

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        all_headers = {**(headers or {}), **decode_headers(encoded), **self._HEADERS}
        limits = aiohttp.ClientTimeout(
            total=time_limit, sock_connect=min(self._connect_timeout, time_limit)
        )
        try:
            async with self._session.post(
                url, data=body, headers=all_headers, timeout=limits
            ) as response:
                return response.status, response.reason or "", await response.read()
        except TimeoutError:
            raise RequestTimeout(f"request timed out after {time_limit}s") from None
        except (aiohttp.ClientError, OSError) as exc:
            text = str(exc)
            raise HttpError(
                f"{type(exc).__name__}: {text}" if text else type(exc).__name__
            ) from None
