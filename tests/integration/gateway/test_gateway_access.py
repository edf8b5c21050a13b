"""The access layer end to end: bearer tokens on HTTP and on the WebSocket, the signed
subgraph credential as strawberry subgraphs receive it over HTTP and WebSocket, principal
headers from clients dropped, health endpoints open."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gtws_client import gql_ws
from gw_servers import GatewayFactory, Subgraphs

from rumah.common.keys import load_public_keys, new_signing_key
from services.kit.principal import Principal as SubgraphPrincipal
from services.kit.subgraph_auth import GatewayCredentials

TOKENS = json.dumps(
    {
        "lic-token": {
            "role": "integrator",
            "opd": "DPMPTSP",
            "name": "lic-app",
            "scopes": ["licensing:read"],
        },
        "audit-token": {"role": "auditor", "name": "audit"},
    }
)
QUERY = {"query": '{ product(upc: "5") { name } }'}
SPOOFED = {"x-rumah-role": "operator", "x-rumah-opd": "finance"}
PRIVATE, PUBLIC = new_signing_key()
LIC = SubgraphPrincipal(
    "lic-app", frozenset({"integrator"}), frozenset({"licensing:read"}), "DPMPTSP"
)


def verified(audience: str, authorization: str | None) -> SubgraphPrincipal:
    assert authorization is not None and authorization.startswith("Bearer ")
    check = GatewayCredentials(load_public_keys(PUBLIC, "gateway"), audience)
    return check.verify(authorization.removeprefix("Bearer "))


async def _post(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], Any]:
    async with aiohttp.ClientSession() as session:
        async with session.post(url, json=QUERY, headers=headers) as response:
            return response.status, dict(response.headers), await response.json()


async def test_an_open_gateway_says_so_and_forwards_no_client_principal(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(auth="none")
    status, _, body = await _post(gateway.http, SPOOFED)
    assert (status, body) == (200, {"data": {"product": {"name": "Product 5"}}})
    assert subgraphs.world.products_headers == [{}]
    async with aiohttp.ClientSession() as session:
        async with session.get(gateway.http.replace("/graphql", "/health")) as response:
            health = await response.json()
    assert health["auth"] == "none" and "without a credential" in health["warning"]


async def test_the_gateway_does_not_start_without_an_identity_provider(tmp_path: Path) -> None:
    from gateway.app import create_app
    from gateway.auth import AccessConfigError
    from gateway.settings import GatewaySettings

    settings = GatewaySettings(_env_file=None)  # type: ignore[call-arg]
    with pytest.raises(AccessConfigError, match="no identity provider"):
        create_app(settings, tmp_path / "supergraph.graphql")


async def test_http_needs_a_valid_bearer_token_and_subgraphs_get_a_signed_credential(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(tokens=TOKENS, subgraph_signing_key=PRIVATE)
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
    [told] = subgraphs.world.products_headers
    assert set(told) == {"authorization"}  # the client's own principal headers are dropped
    assert verified("products", told["authorization"]) == LIC
    with pytest.raises(Exception, match="InvalidAudienceError"):
        verified("reviews", told["authorization"])  # for products only

    status, _, _ = await _post(gateway.http, {"authorization": "Bearer audit-token", **SPOOFED})
    assert status == 200
    auditor = verified("products", subgraphs.world.products_headers[-1]["authorization"])
    assert (auditor.subject, auditor.roles, auditor.opd) == ("audit", {"auditor"}, None)

    async with aiohttp.ClientSession() as session:
        async with session.get(gateway.http.replace("/graphql", "/health")) as response:
            assert (response.status, await response.json()) == (200, {"status": "ok"})
        async with session.get(gateway.http.replace("/graphql", "/health/ready")) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_websocket_init_needs_a_valid_token_and_the_credential_reaches_subgraphs(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(tokens=TOKENS, subgraph_signing_key=PRIVATE)
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
        [payload] = world.init_payloads
        assert verified("reviews", payload["Authorization"]) == LIC
        [upgrade] = world.upgrade_auth
        assert verified("reviews", upgrade) == LIC
        world.publish("9")
        message = await client.receive()
        assert message["payload"] == {"data": {"reviewAdded": {"product": {"name": "Product 9"}}}}
        [join] = world.products_headers
        assert set(join) == {"authorization"}
        assert verified("products", join["authorization"]) == LIC


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
