"""OpenID Connect against the real Keycloak that ``rumah infra up`` started (realm ``rumah``,
infra/keycloak/realm-rumah.json): tokens from its token endpoint are accepted over HTTP and
WebSocket and their principal reaches the subgraphs; every kind of bad token is refused with
401 and ``WWW-Authenticate``."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import aiohttp
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gtws_client import gql_ws
from gw_servers import Gateway, GatewayFactory, Subgraphs

from infra.settings import InfraSettings
from rumah.common.keys import load_public_keys, new_signing_key
from services.kit.subgraph_auth import GatewayCredentials

pytestmark = pytest.mark.integration

QUERY = {"query": '{ product(upc: "5") { name } }'}
PRIVATE, PUBLIC = new_signing_key()


@pytest.fixture
def issuer(infra_settings: InfraSettings) -> str:
    return f"{infra_settings.keycloak_url}/realms/rumah"


@pytest.fixture
async def gateway(start_gateway: GatewayFactory, issuer: str) -> Gateway:
    """The production gateway trusting the real Keycloak, signing subgraph credentials."""
    return await start_gateway(oidc_issuer=issuer, subgraph_signing_key=PRIVATE)


async def token(issuer: str, **form: str) -> str:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{issuer}/protocol/openid-connect/token", data=form) as r:
            body = await r.json()
            assert r.status == 200, body
    return str(body["access_token"])


async def user_token(issuer: str, user: str, client: str = "rumah-tests") -> str:
    return await token(
        issuer,
        grant_type="password",
        client_id=client,
        client_secret=f"{client}-secret",
        username=user,
        password=f"{user.split('-')[0]}-pass",
    )


async def integrator_token(issuer: str) -> str:
    return await token(
        issuer,
        grant_type="client_credentials",
        client_id="rumah-integrator-dpmptsp",
        client_secret="rumah-integrator-dpmptsp-secret",
    )


async def post(url: str, authorization: str | None) -> tuple[int, dict[str, str], Any]:
    headers = {"authorization": authorization} if authorization else {}
    async with aiohttp.ClientSession() as http:
        async with http.post(url, json=QUERY, headers=headers) as r:
            return r.status, dict(r.headers), await r.json()


def told(subgraphs: Subgraphs) -> Any:
    authorization = subgraphs.world.products_headers[-1]["authorization"]
    check = GatewayCredentials(load_public_keys(PUBLIC, "gateway"), "products")
    return check.verify(authorization.removeprefix("Bearer "))


async def test_keycloak_tokens_are_accepted_and_their_principal_reaches_the_subgraphs(
    subgraphs: Subgraphs, gateway: Gateway, issuer: str
) -> None:
    integrator = await integrator_token(issuer)
    status, _, body = await post(gateway.http, f"Bearer {integrator}")
    assert (status, body) == (200, {"data": {"product": {"name": "Product 5"}}})
    principal = told(subgraphs)
    assert (principal.roles, principal.opd) == ({"integrator"}, "DPMPTSP")
    assert {"licensing:read", "ledger:read"} <= principal.scopes
    assert "personal:read" not in principal.scopes  # the realm grants it to auditors only

    auditor = await user_token(issuer, "auditor")
    assert (await post(gateway.http, f"Bearer {auditor}"))[0] == 200
    principal = told(subgraphs)
    assert principal.roles == {"auditor"} and principal.opd is None
    assert {"personal:read", "access:read", "ledger:verify"} <= principal.scopes

    operator = await user_token(issuer, "operator")
    assert (await post(gateway.http, f"Bearer {operator}"))[0] == 200
    assert told(subgraphs).scopes & {"personal:read", "licensing:read"} == set()

    async with aiohttp.ClientSession() as http:  # the keys are loaded: ready
        async with http.get(gateway.http.replace("/graphql", "/health/ready")) as r:
            ready = await r.json()
    assert ready["identity"]["issuer"] == issuer and ready["identity"]["keys"] >= 1
    assert ready["identity"]["refreshError"] is None


async def test_a_keycloak_token_opens_a_websocket_and_a_bad_one_is_closed_4403(
    gateway: Gateway, issuer: str
) -> None:
    good = await integrator_token(issuer)
    async with gql_ws(gateway.ws) as client:
        assert await client.init({"Authorization": f"Bearer {good}"}) == {"type": "connection_ack"}
    async with gql_ws(gateway.ws) as client:
        await client.send(
            {"type": "connection_init", "payload": {"Authorization": f"Bearer {good}x"}}
        )
        assert (await client.closed()).code == 4403


def _segments(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    header, payload, _ = token.split(".")
    decode = lambda part: json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))  # noqa: E731
    return decode(header), decode(payload)


def _b64(data: bytes) -> bytes:
    return base64.urlsafe_b64encode(data).rstrip(b"=")


async def _keycloak_public_pem(issuer: str, kid: str) -> bytes:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{issuer}/protocol/openid-connect/certs") as r:
            jwks = await r.json()
    [found] = [k for k in jwks["keys"] if k["kid"] == kid]
    key = jwt.algorithms.RSAAlgorithm.from_jwk(found)
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )  # type: ignore[union-attr]


async def test_every_kind_of_bad_token_is_refused_with_401_and_a_challenge(
    subgraphs: Subgraphs, start_gateway: GatewayFactory, issuer: str
) -> None:
    gateway = await start_gateway(oidc_issuer=issuer, subgraph_signing_key=PRIVATE, oidc_leeway_s=0)
    real = await user_token(issuer, "operator")
    header, claims = _segments(real)
    head, body, signature = real.split(".")

    promoted = {**claims, "realm_access": {"roles": ["auditor"]}}
    tampered = f"{head}.{_b64(json.dumps(promoted).encode()).decode()}.{signature}"
    unsigned = jwt.encode(promoted, None, algorithm="none", headers={"kid": header["kid"]})
    pem = await _keycloak_public_pem(
        issuer, header["kid"]
    )  # HS/RS confusion: its public key as the HMAC secret
    hs_head = _b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": header["kid"]}).encode())
    hs_body = _b64(json.dumps(promoted).encode())
    confused = (
        hs_head
        + b"."
        + hs_body
        + b"."
        + _b64(hmac.new(pem, hs_head + b"." + hs_body, hashlib.sha256).digest())
    ).decode()
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    unknown_kid = jwt.encode(
        promoted, stranger, algorithm="RS256", headers={"kid": "not-keycloaks"}
    )
    known_kid_wrong_key = jwt.encode(
        promoted, stranger, algorithm="RS256", headers={"kid": header["kid"]}
    )
    short = await user_token(issuer, "auditor", client="rumah-tests-short")
    expires = _segments(short)[1]["exp"]
    await asyncio.sleep(max(0.0, expires - time.time()) + 1.1)  # the issuer's own 2-second token

    cases = [
        ("tampered payload", tampered, "bad signature or malformed token"),
        ("alg none", unsigned, "algorithm 'none' not accepted"),
        ("HS256 signed with the issuer's public key", confused, "algorithm 'HS256' not accepted"),
        ("unknown kid", unknown_kid, "unknown signing key"),
        ("the issuer's kid, another key", known_kid_wrong_key, "bad signature or malformed token"),
        ("expired (issued by Keycloak)", short, "token expired"),
        ("not a token at all", "nope", None),
    ]
    for what, bad, reason in cases:
        status, headers, answer = await post(gateway.http, f"Bearer {bad}")
        assert status == 401, (what, answer)
        assert headers["WWW-Authenticate"].startswith(
            'Bearer realm="rumah", error="invalid_token"'
        ), what
        if reason is not None:
            assert f'error_description="{reason}"' in headers["WWW-Authenticate"], (what, headers)
        assert answer["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    assert subgraphs.world.products_headers == []  # none of them reached a subgraph

    # the same real token, for a gateway that expects another audience / another issuer
    other_audience = await start_gateway(oidc_issuer=issuer, oidc_audience=["another-api"])
    status, headers, _ = await post(other_audience.http, f"Bearer {real}")
    assert (
        status == 401
        and 'error_description="token not for this audience"' in headers["WWW-Authenticate"]
    )
    other_issuer = await start_gateway(  # Keycloak's keys, but expecting another issuer
        oidc_issuer=issuer.replace("/realms/rumah", "/realms/elsewhere"),
        oidc_jwks_uri=f"{issuer}/protocol/openid-connect/certs",
    )
    status, headers, _ = await post(other_issuer.http, f"Bearer {real}")
    assert (
        status == 401
        and 'error_description="token from another issuer"' in headers["WWW-Authenticate"]
    )
