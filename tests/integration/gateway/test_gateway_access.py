"""The access layer end to end: bearer tokens on HTTP and on the WebSocket, principal
headers and init payloads as the subgraphs see them, health endpoints open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
from gtws_client import gql_ws
from gw_servers import GatewayFactory, Subgraphs

TOKENS = json.dumps(
    {
        "lic-token": {"role": "integrator", "opd": "licensing"},
        "audit-token": {"role": "auditor"},
    }
)
QUERY = {"query": '{ product(upc: "5") { name } }'}
SPOOFED = {"x-rumah-role": "operator", "x-rumah-opd": "finance"}


async def _post(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=QUERY, headers=headers) as response:
            return response.status, dict(response.headers), await response.json()


async def test_an_open_gateway_serves_everyone_and_forwards_no_client_principal(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway()
    status, _, body = await _post(gateway.http, SPOOFED)
    assert (status, body) == (200, {"data": {"product": {"name": "Product 5"}}})
    assert subgraphs.world.products_headers == [{}]


async def test_http_needs_a_valid_bearer_token_once_tokens_are_configured(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(tokens=TOKENS)
    status, headers, body = await _post(gateway.http, {})
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="rumah"'
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    status, headers, body = await _post(gateway.http, {"authorization": "Bearer nope"})
    assert status == 401
    assert headers["WWW-Authenticate"] == 'Bearer realm="rumah", error="invalid_token"'
    assert subgraphs.world.products_headers == []  # nothing reached a subgraph

    status, _, body = await _post(gateway.http, {"authorization": "Bearer lic-token", **SPOOFED})
    assert (status, body) == (200, {"data": {"product": {"name": "Product 5"}}})
    assert subgraphs.world.products_headers == [
        {"x-rumah-role": "integrator", "x-rumah-opd": "licensing"}
    ]
    status, _, _ = await _post(gateway.http, {"authorization": "Bearer audit-token", **SPOOFED})
    assert status == 200
    assert subgraphs.world.products_headers[-1] == {"x-rumah-role": "auditor"}

    async with aiohttp.ClientSession() as session:
        async with session.get(gateway.http.replace("/graphql", "/health")) as response:
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        async with session.get(gateway.http.replace("/graphql", "/health/ready")) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_websocket_init_needs_a_valid_token_and_the_principal_reaches_subgraphs(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(tokens=TOKENS)
    async with gql_ws(gateway.ws) as client:
        await client.send({"type": "connection_init", "payload": {"Authorization": "Bearer x"}})
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4403, "Forbidden")
    async with gql_ws(gateway.ws) as client:
        await client.subscribe("a", "subscription { reviewAdded { body } }")
        assert (await client.closed()).code == 4401

    world = subgraphs.world
    async with gql_ws(gateway.ws, headers=SPOOFED) as client:
        assert await client.init({"Authorization": "Bearer lic-token"}) == {
            "type": "connection_ack"
        }
        await client.subscribe("a", "subscription { reviewAdded { product { name } } }")
        await world.wait("started", 1)
        assert world.init_payloads == [{"rumahRole": "integrator", "rumahOpd": "licensing"}]
        assert world.upgrade_roles == ["integrator"]
        world.publish("9")
        message = await client.receive()
        assert message["payload"] == {"data": {"reviewAdded": {"product": {"name": "Product 9"}}}}
        assert world.products_headers == [
            {"x-rumah-role": "integrator", "x-rumah-opd": "licensing"}
        ]


async def test_tokens_may_be_read_from_a_file(
    tmp_path: Path, start_gateway: GatewayFactory
) -> None:
    path = tmp_path / "tokens.json"
    path.write_text(TOKENS)
    gateway = await start_gateway(tokens=str(path))
    status, _, _ = await _post(gateway.http, {"authorization": "Bearer audit-token"})
    assert status == 200
    status, _, _ = await _post(gateway.http, {"authorization": "Bearer other"})
    assert status == 401
