"""In-process servers for the gateway integration tests: the strawberry subgraphs and a
gateway built by the production ``create_app``, each a real uvicorn on a free port."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import uvicorn
from gw_subgraphs import PRODUCTS, REVIEWS, SubgraphsApp, World

from gateway.compose import SubgraphSource, compose
from gateway.http.app import create_app
from gateway.http.asgi import ASGIApp
from gateway.http.coalesce import CoalescingHttpToolsProtocol
from gateway.settings import GatewaySettings


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


@pytest.fixture
async def subgraphs() -> AsyncIterator[Subgraphs]:
    world = World()
    async with serving(SubgraphsApp(world)) as port:
        yield Subgraphs(world, port)


@dataclass
class Gateway:
    http: str
    ws: str


GatewayFactory = Callable[..., Awaitable[Gateway]]


@pytest.fixture
async def start_gateway(subgraphs: Subgraphs, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    """Start a production gateway over the subgraphs with these settings."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(reviews_url: str | None = None, **settings: Any) -> Gateway:
            values = {"hot_reload": False, "ws_keepalive_interval": 0, **settings}
            config = GatewaySettings(_env_file=None, **values)  # type: ignore[call-arg]
            app = create_app(config, subgraphs.supergraph(tmp_path, reviews_url))
            port = await stack.enter_async_context(serving(app))
            await _until_loaded(f"http://127.0.0.1:{port}/health")
            return Gateway(f"http://127.0.0.1:{port}/graphql", f"ws://127.0.0.1:{port}/graphql")

        yield start


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def _until_loaded(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(500):
            async with session.get(url) as response:
                if response.status == 200:
                    return
            await asyncio.sleep(0.02)
    raise AssertionError("the gateway never loaded its supergraph")
