"""Real servers for the gateway integration tests (uvicorn on free ports): the strawberry
subgraphs, and gateways built by the production ``create_app``."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import uvicorn
from gw_subgraphs import PRODUCTS, REVIEWS, World

from gateway.compose import SubgraphSource, compose
from gateway.http.coalesce import CoalescingHttpToolsProtocol
from gateway.web.asgi import ASGIApp


@contextlib.asynccontextmanager
async def serving(app: ASGIApp) -> AsyncIterator[int]:
    """``app`` on 127.0.0.1 (uvicorn, httptools, websockets-sansio) → its port."""
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        http=CoalescingHttpToolsProtocol,
        ws="websockets-sansio",
        lifespan="on",
        log_config=None,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes only a flag
        if task.done():
            await task
        await asyncio.sleep(0.01)
    try:
        yield server.servers[0].sockets[0].getsockname()[1]
    finally:
        server.should_exit = True
        await task


@dataclass
class Subgraphs:
    world: World
    port: int

    def supergraph(self, directory: Path, reviews_url: str | None = None) -> Path:
        base = f"http://127.0.0.1:{self.port}"
        result = compose(
            [
                SubgraphSource("reviews", reviews_url or f"{base}/reviews", REVIEWS.as_str()),
                SubgraphSource("products", f"{base}/products", PRODUCTS.as_str()),
            ]
        )
        assert result.supergraph_sdl is not None, result.errors
        path = directory / "supergraph.graphql"
        path.write_text(result.supergraph_sdl)
        return path


@dataclass
class Gateway:
    http: str
    ws: str


GatewayFactory = Callable[..., Awaitable[Gateway]]


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def until_loaded(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            async with session.get(url) as response:
                if response.status == 200:
                    return
            await asyncio.sleep(0.02)
    raise AssertionError("the gateway never loaded its supergraph")
