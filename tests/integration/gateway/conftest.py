"""Fixtures: the strawberry subgraphs and production gateways over them (``gw_servers``)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from gw_servers import Gateway, GatewayFactory, Subgraphs, serving, until_loaded
from gw_subgraphs import SubgraphsApp, World

from gateway.app import create_app
from gateway.settings import GatewaySettings


@pytest.fixture
async def subgraphs() -> AsyncIterator[Subgraphs]:
    world = World()
    async with serving(SubgraphsApp(world)) as port:
        yield Subgraphs(world, port)


@pytest.fixture
async def start_gateway(subgraphs: Subgraphs, tmp_path: Path) -> AsyncIterator[GatewayFactory]:
    """Start a production gateway over the subgraphs with these settings."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(reviews_url: str | None = None, **settings: Any) -> Gateway:
            values = {
                "hot_reload": False,
                "ws_keepalive_interval": 0,
                "access_records": "off",
                **settings,
            }
            if "tokens" not in settings and "oidc_issuer" not in settings:
                values.setdefault("auth", "none")  # these subgraphs check no credential
            config = GatewaySettings(_env_file=None, **values)  # type: ignore[call-arg]
            app = create_app(config, subgraphs.supergraph(tmp_path, reviews_url))
            port = await stack.enter_async_context(serving(app))
            await until_loaded(f"http://127.0.0.1:{port}/health")
            return Gateway(f"http://127.0.0.1:{port}/graphql", f"ws://127.0.0.1:{port}/graphql")

        yield start
