"""OIDC sign-in (authorization code + PKCE S256) against a small in-test identity provider:
the full flow, and every way a callback must be refused. (Keycloak itself comes with the
access work; this provider follows the same protocol.)"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from pydantic import SecretStr
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from monev.app import create_app
from monev.auth.session import SESSION_COOKIE, CookieJar, fernet_for
from monev.settings import MonevSettings
from services.kit.testing import serve_app

SECRET = "s" * 40
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)
OTHER = RSAKey.generate_key(2048, parameters={"kid": "k1"}, private=True)


@dataclass
class Provider:
    """What the fake provider does, and what it saw."""

    url: str = ""
    claims: dict[str, Any] = field(
        default_factory=lambda: {"realm_access": {"roles": ["auditor"]}, "name": "Siti Auditor"}
    )
    sign_with: RSAKey = field(default_factory=lambda: KEY)
    nonce_override: str | None = None
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    authorize_params: dict[str, str] = field(default_factory=dict)

    def app(self) -> Starlette:
        async def discovery(request: Request) -> Response:
            return JSONResponse(
                {
                    "issuer": self.url,
                    "authorization_endpoint": f"{self.url}/auth",
                    "token_endpoint": f"{self.url}/token",
                    "jwks_uri": f"{self.url}/jwks",
                    "end_session_endpoint": f"{self.url}/logout",
                }
            )

        async def jwks(request: Request) -> Response:
            return JSONResponse(KeySet([KEY]).as_dict(private=False))

        async def authorize(request: Request) -> Response:
            q = dict(request.query_params)
            self.authorize_params = q
            code = secrets.token_urlsafe(16)
            self.codes[code] = q
            return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", 302)

        async def token(request: Request) -> Response:
            form = dict(await request.form())
            asked = self.codes.pop(str(form.get("code")), None)
            if asked is None:
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            verifier = str(form.get("code_verifier", ""))
            digest = hashlib.sha256(verifier.encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                challenge != asked["code_challenge"]
                or form.get("redirect_uri") != asked["redirect_uri"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            now = int(time.time())
            claims = {
                "iss": self.url,
                "aud": asked["client_id"],
                "sub": "u-1",
                "iat": now,
                "exp": now + 300,
                "nonce": self.nonce_override or asked["nonce"],
                **self.claims,
            }
            id_token = jwt.encode({"alg": "RS256", "kid": "k1"}, claims, self.sign_with)
            return JSONResponse(
                {
                    "access_token": "opaque-access-token",
                    "id_token": id_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                }
            )

        return Starlette(
            routes=[
                Route("/.well-known/openid-configuration", discovery),
                Route("/jwks", jwks),
                Route("/auth", authorize),
                Route("/token", token, methods=["POST"]),
            ]
        )


@contextlib.asynccontextmanager
async def running(provider: Provider) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    async with serve_app(provider.app()) as idp:
        provider.url = idp
        async with serve_app(Starlette()) as placeholder:  # a free port for Monev's URL
            port = int(placeholder.rsplit(":", 1)[1])
        settings = MonevSettings(
            auth="oidc",
            port=port,
            public_url=f"http://127.0.0.1:{port}",
            oidc_discovery_url=f"{idp}/.well-known/openid-configuration",
            session_secret=SecretStr(SECRET),
            gateway_url="http://127.0.0.1:9/graphql",
        )  # type: ignore[call-arg]
        async with (
            serve_app(create_app(settings), port=port) as monev,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http,
        ):
            yield monev, http


async def _sign_in(monev: str, http: aiohttp.ClientSession) -> aiohttp.ClientResponse:
    """Follow the whole dance; the last response (Monev's answer to the callback)."""
    async with http.get(f"{monev}/masuk?mulai=1&next=/anggaran", allow_redirects=False) as r:
        assert r.status == 303
        to_idp = r.headers["location"]
    async with http.get(to_idp, allow_redirects=False) as r:
        assert r.status == 302
        callback = r.headers["location"]
    async with http.get(callback, allow_redirects=False) as r:
        await r.read()
        return r


def _session_user(http: aiohttp.ClientSession) -> Any:
    jar = CookieJar(fernet_for(SECRET), secure=False, max_age_s=3600)
    cookie = next((c for c in http.cookie_jar if c.key == SESSION_COOKIE), None)
    return None if cookie is None else jar.open(cookie.value)


async def test_the_authorization_code_flow_with_pkce_signs_the_user_in() -> None:
    provider = Provider(
        claims={
            "realm_access": {"roles": ["personal-data", "integrator"]},
            "opd": "BPKD",
            "name": "Budi Integrator",
        }
    )
    async with running(provider) as (monev, http):
        answer = await _sign_in(monev, http)
        assert answer.status == 303 and answer.headers["location"] == "/anggaran"
        asked = provider.authorize_params
        assert asked["code_challenge_method"] == "S256" and len(asked["code_challenge"]) == 43
        assert asked["response_type"] == "code" and asked["client_id"] == "rumah-monev"
        assert len(asked["state"]) >= 32 and len(asked["nonce"]) >= 32
        set_cookie = [v for k, v in answer.headers.items() if k.lower() == "set-cookie"]
        session = next(c for c in set_cookie if c.startswith(SESSION_COOKIE + "="))
        assert "HttpOnly" in session and "SameSite=lax" in session
        user = _session_user(http)
        assert user["r"] == "integrator" and user["o"] == "BPKD" and user["n"] == "Budi Integrator"
        assert user["t"] == "opaque-access-token"
        async with http.post(f"{monev}/keluar", allow_redirects=False) as r:
            logout = urlsplit(r.headers["location"])
            assert r.status == 303 and logout.path == "/logout"
            assert parse_qs(logout.query)["post_logout_redirect_uri"] == [f"{monev}/masuk"]
        assert _session_user(http) is None


@pytest.mark.parametrize(
    ("provider", "reason"),
    [
        (Provider(sign_with=OTHER), "ID token tidak sah"),  # not the provider's key
        (Provider(nonce_override="replayed"), "ID token tidak sah"),
        (Provider(claims={"name": "No Role"}), "tidak memiliki peran"),
        (Provider(claims={"realm_access": {"roles": ["integrator"]}}), "integrator tanpa OPD"),
    ],
)
async def test_a_callback_that_does_not_prove_the_user_is_refused(
    provider: Provider, reason: str
) -> None:
    async with running(provider) as (monev, http):
        answer = await _sign_in(monev, http)
        assert answer.status == 400 and reason in await answer.text()
        assert _session_user(http) is None


async def test_a_forged_state_or_a_missing_flow_is_refused() -> None:
    provider = Provider()
    async with running(provider) as (monev, http):
        async with http.get(f"{monev}/masuk?mulai=1", allow_redirects=False) as r:
            to_idp = r.headers["location"]
        async with http.get(to_idp, allow_redirects=False) as r:
            callback = r.headers["location"]
        forged = callback.replace("state=", "state=x")
        async with http.get(forged, allow_redirects=False) as r:
            assert r.status == 400 and "state tidak cocok" in await r.text()
        http.cookie_jar.clear()
        async with http.get(callback, allow_redirects=False) as r:
            assert r.status == 400 and "kedaluwarsa" in await r.text()
        assert _session_user(http) is None


async def test_the_sign_in_page_offers_the_provider_and_keeps_where_to_go_next() -> None:
    async with running(Provider()) as (monev, http):
        async with http.get(f"{monev}/masuk?next=/anggaran", allow_redirects=False) as r:
            page = await r.text()
        assert r.status == 200 and 'id="signin-oidc"' in page
        assert "/masuk?mulai=1&amp;next=/anggaran" in page
