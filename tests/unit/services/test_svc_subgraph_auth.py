"""No way around the gateway: a service's /graphql answers only requests carrying a
credential the gateway signed for that service; health, metrics and /sync stay open."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from rumah.common.keys import KeyConfigError
from services.kit.app import create_app
from services.kit.backends import BackendSettings
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.subgraph_auth import SubgraphAuthSettings
from services.kit.test_credentials import SigningKeys
from services.kit.testing import serve_app
from services.licensing.bootstrap import SPEC

KEYS = SigningKeys()
OTHER = SigningKeys()  # a key the service does not trust
QUERIES = {
    "field": {"query": "{ licensingSyncStatus { service } }"},
    "_service": {"query": "{ _service { sdl } }"},
    "_entities": {
        "query": "query($r: [_Any!]!) { _entities(representations: $r) { __typename } }",
        "variables": {"r": [{"__typename": "Application", "id": "sicantik"}]},
    },
}


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path), subgraph_auth=KEYS.subgraph_settings()
    )  # type: ignore[call-arg]
    sim = Simulator(SPEC.workflow, seed=2)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as sim_url,
        serve_app(create_app(SPEC, settings, sim_url)) as url,
        aiohttp.ClientSession() as http,
    ):
        yield url, http


async def _post(http: aiohttp.ClientSession, url: str, body: Any, headers: Any) -> tuple[int, Any]:
    async with http.post(f"{url}/graphql", json=body, headers=headers) as r:
        return r.status, await r.json(content_type=None)


def _forged() -> list[dict[str, str]]:
    now = time.time()
    return [
        {},
        {"x-rumah-role": "auditor"},
        {"x-rumah-role": "auditor", "x-rumah-opd": "DPMPTSP"},
        {"authorization": "Bearer nope"},
        {"authorization": "Basic " + KEYS.token("licensing")},
        OTHER.headers("licensing"),  # signed, but not by the gateway's key
        KEYS.headers("personnel"),  # the gateway's key, another subgraph's audience
        KEYS.headers("licensing", issuer="someone-else"),
        KEYS.headers("licensing", issued_at=now - 120),  # expired a minute ago
        KEYS.headers("licensing", ttl_s=3600),  # longer-lived than any gateway credential
        {"authorization": "Bearer " + KEYS.token("licensing")[:-4] + "AAAA"},  # bad signature
    ]


@pytest.mark.parametrize("what", sorted(QUERIES))
async def test_graphql_without_the_gateways_credential_is_401(service: Any, what: str) -> None:
    url, http = service
    for headers in _forged():
        status, body = await _post(http, url, QUERIES[what], headers)
        assert status == 401, (headers, body)
        assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
        assert "data" not in body
    status, body = await _post(http, url, QUERIES[what], KEYS.headers("licensing"))
    assert status == 200 and body.get("data"), body


async def test_two_authorization_headers_are_refused(service: Any) -> None:
    url, http = service
    good = "Bearer " + KEYS.token("licensing")
    headers = [("authorization", good), ("authorization", good)]
    async with http.post(f"{url}/graphql", json=QUERIES["field"], headers=headers) as r:
        assert r.status == 401


async def test_health_metrics_and_sync_stay_open(service: Any) -> None:
    url, http = service
    for path in ("/health/live", "/metrics", "/sync"):
        async with http.get(f"{url}{path}") as r:
            assert r.status == 200, path


async def test_a_websocket_handshake_without_a_credential_is_refused(service: Any) -> None:
    url, http = service
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        async with http.ws_connect(f"{url}/graphql", protocols=["graphql-transport-ws"]):
            pass
    assert refused.value.status == 403


def test_a_service_does_not_start_without_the_gateways_public_key(tmp_path: Path) -> None:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path),
        subgraph_auth=SubgraphAuthSettings(_env_file=None, gateway_keys=""),
    )  # type: ignore[call-arg]
    with pytest.raises(KeyConfigError, match="RUMAH_SUBGRAPH_GATEWAY_KEYS is not set"):
        create_app(SPEC, settings, "http://127.0.0.1:1")


async def test_log_lines_name_the_verified_caller_never_a_header_it_sent() -> None:
    from rumah.common.logs import current_principal
    from services.kit.subgraph_auth import GatewayCredentials, RequireGatewayCredential

    seen: list[str | None] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append(current_principal())

    guard = RequireGatewayCredential(
        app, GatewayCredentials.from_settings(KEYS.subgraph_settings(), "licensing")
    )
    token = KEYS.token("licensing", roles=("integrator",), opd="DPMPTSP")
    headers = [
        (b"authorization", f"Bearer {token}".encode()),
        (b"x-rumah-role", b"auditor"),  # a client's claim: not what the credential says
    ]

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        pass

    scope = {"type": "http", "method": "POST", "path": "/graphql", "headers": headers}
    await guard(scope, receive, send)
    assert seen == ["integrator/DPMPTSP"]
    assert current_principal() is None  # unbound after the request
