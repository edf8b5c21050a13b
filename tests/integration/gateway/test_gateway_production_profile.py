# ruff: noqa: E501 - assertions read best on one line

"""The production profile and safelist mode on the production app: GraphiQL, introspection
and plan explain off whatever their settings say, no open gateway, and only trusted
documents run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from gw_servers import GatewayFactory, Subgraphs

from gateway.app import create_app
from gateway.auth import AccessConfigError
from gateway.settings import GatewaySettings

TOKENS = json.dumps({"t": "auditor"})
AUTH = {"authorization": "Bearer t"}
PRODUCT = '{ product(upc: "5") { name } }'


async def _post(url: str, body: Any, headers: dict[str, str]) -> tuple[int, Any]:
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=body, headers=headers) as r:
            return r.status, await r.json()


async def test_production_turns_off_graphiql_introspection_and_explain(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway(
        tokens=TOKENS, profile="production", graphiql=True, introspection=True
    )
    async with aiohttp.ClientSession() as http:
        async with http.get(gateway.http, headers={"accept": "text/html", **AUTH}) as r:
            assert "text/html" not in r.headers["content-type"]
    _, body = await _post(gateway.http, {"query": "{ __schema { types { name } } }"}, AUTH)
    assert body["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    _, body = await _post(gateway.http, {"query": PRODUCT}, {**AUTH, "x-rumah-explain": "1"})
    assert body == {"data": {"product": {"name": "Product 5"}}}  # no queryPlan extension


def test_production_refuses_an_open_gateway(tmp_path: Path) -> None:
    settings = GatewaySettings(_env_file=None, auth="none", profile="production")  # type: ignore[call-arg]
    with pytest.raises(AccessConfigError, match="refused with RUMAH_GATEWAY_PROFILE=production"):
        create_app(settings, tmp_path / "supergraph.graphql")


async def test_safelist_mode_runs_only_trusted_documents(
    subgraphs: Subgraphs, start_gateway: GatewayFactory, tmp_path: Path
) -> None:
    digest = hashlib.sha256(PRODUCT.encode()).hexdigest()
    manifest = tmp_path / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "format": "apollo-persisted-query-manifest",
                "version": 1,
                "operations": [{"id": digest, "name": "P", "type": "query", "body": PRODUCT}],
            }
        )
    )
    gateway = await start_gateway(tokens=TOKENS, safelist=str(manifest))
    by_hash = {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}}}
    assert await _post(gateway.http, by_hash, AUTH) == (
        200,
        {"data": {"product": {"name": "Product 5"}}},
    )
    assert (await _post(gateway.http, {"query": PRODUCT}, AUTH))[1]["data"]["product"]
    for body in (
        {"query": '{ product(upc: "6") { name } }'},
        {"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "0" * 64}}},
        {"query": '{ product(upc: "6") { name } }', **by_hash},  # the hash does not vouch for it
    ):
        _, answer = await _post(gateway.http, body, AUTH)
        assert answer["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_IN_LIST", body
    assert subgraphs.world.products_headers and len(subgraphs.world.products_headers) == 2


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("[1]", "expected a manifest object"),
        ("{}", "holds no operation"),
        ('{"abc": "{ a }"}', "its id is not its SHA-256"),
        ("{not json", "not JSON"),
    ],
)
def test_a_bad_manifest_stops_start_up(tmp_path: Path, manifest: str, message: str) -> None:
    path = tmp_path / "m.json"
    path.write_text(manifest)
    settings = GatewaySettings(_env_file=None, tokens=TOKENS, safelist=str(path))  # type: ignore[call-arg]
    with pytest.raises(AccessConfigError, match=message):
        create_app(settings, tmp_path / "supergraph.graphql")
