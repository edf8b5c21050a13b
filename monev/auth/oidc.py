"""Sign-in through the regency's identity provider: OpenID Connect authorization code flow
with PKCE (S256), for a public client (Keycloak realm ``rumah``, client ``rumah-monev``).

``start`` keeps a random ``state``, ``nonce`` and PKCE verifier in a short-lived encrypted
cookie and redirects to the provider; ``finish`` checks the returned state, exchanges the code
(with the verifier) at the token endpoint, verifies the ID token (signature from the
provider's JWKS, issuer, audience, expiry, nonce) and reads the role and OPD claims. The
access token is what Monev forwards to the gateway. Discovery and keys are fetched from the
discovery URL and cached; an unknown key id refetches the keys once (rotation).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets
import time
from typing import Any
from urllib.parse import urlencode

import aiohttp
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from monev.auth import ROLES, SignInFailed, User
from monev.auth.session import CookieJar
from monev.safe import safe_next
from monev.settings import MonevSettings

log = logging.getLogger("monev.oidc")

FLOW_COOKIE = "monev_oidc"
FLOW_TTL_S = 600
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384")
DISCOVERY_TTL_S = 3600.0


def pkce_pair() -> tuple[str, str]:
    """(verifier, S256 challenge) per RFC 7636."""
    verifier = secrets.token_urlsafe(64)[:96]
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def claim(claims: dict[str, Any], path: str) -> Any:
    """The claim at ``path``; dots reach into objects (Keycloak's ``realm_access.roles``)."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


class OidcSignIn:
    name = "oidc"

    def __init__(self, settings: MonevSettings, cookies: CookieJar, render: Any) -> None:
        self.settings, self.cookies, self._render = settings, cookies, render
        self.redirect_uri = settings.public_url.rstrip("/") + "/masuk/callback"
        self._meta: dict[str, Any] | None = None
        self._meta_at = 0.0
        self._keys: KeySet | None = None

    # provider metadata and keys

    async def _get_json(self, url: str) -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=self.settings.gateway_timeout_s)
        try:
            async with aiohttp.ClientSession(timeout=timeout) as http, http.get(url) as resp:
                if resp.status != 200:
                    raise SignInFailed(f"penyedia identitas menjawab {resp.status}")
                body = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SignInFailed("penyedia identitas tidak dapat dihubungi") from exc
        if not isinstance(body, dict):
            raise SignInFailed("jawaban penyedia identitas tidak valid")
        return body

    async def metadata(self) -> dict[str, Any]:
        if self._meta is None or time.monotonic() - self._meta_at > DISCOVERY_TTL_S:
            meta = await self._get_json(self.settings.oidc_discovery_url)
            for key in ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(meta.get(key), str):
                    raise SignInFailed(f"dokumen discovery tanpa {key}")
            self._meta, self._meta_at, self._keys = meta, time.monotonic(), None
        return self._meta

    async def keys(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            meta = await self.metadata()
            self._keys = KeySet.import_key_set(await self._get_json(meta["jwks_uri"]))  # type: ignore[arg-type]
        return self._keys

    # the flow

    async def start(self, request: Request, next_url: str) -> Response:
        if request.query_params.get("mulai") != "1":
            return self._render(request, "signin_oidc.html", next_url=safe_next(next_url))
        meta = await self.metadata()
        verifier, challenge = pkce_pair()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        params = {
            "response_type": "code",
            "client_id": self.settings.oidc_client_id,
            "redirect_uri": self.redirect_uri,
            "scope": self.settings.oidc_scopes,
            "state": state,
            "nonce": nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        response = RedirectResponse(meta["authorization_endpoint"] + "?" + urlencode(params), 303)
        flow = {"s": state, "n": nonce, "v": verifier, "x": safe_next(next_url)}
        self.cookies.set(response, FLOW_COOKIE, flow, FLOW_TTL_S)
        return response

    async def finish(self, request: Request) -> tuple[User, str]:
        flow = self.cookies.open(request.cookies.get(FLOW_COOKIE), ttl_s=FLOW_TTL_S)
        q = request.query_params
        if flow is None:
            raise SignInFailed("sesi masuk kedaluwarsa atau tidak ditemukan; ulangi")
        if not hmac.compare_digest(str(q.get("state", "")), str(flow["s"])):
            raise SignInFailed("state tidak cocok")
        if q.get("error"):
            raise SignInFailed(f"penyedia identitas menolak: {str(q.get('error'))[:60]}")
        code = q.get("code")
        if not code:
            raise SignInFailed("tidak ada kode otorisasi")
        tokens = await self._exchange(code, str(flow["v"]))
        claims = await self._verify_id_token(str(tokens.get("id_token", "")), str(flow["n"]))
        access = tokens.get("access_token")
        if not isinstance(access, str) or not access:
            raise SignInFailed("tidak ada access token")
        extra = await self._access_claims(access)
        role_claim, opd_claim = self.settings.oidc_role_claim, self.settings.oidc_opd_claim
        role = claim(claims, role_claim) or claim(extra, role_claim)
        if isinstance(role, list):
            role = next((r for r in role if r in ROLES), None)
        if role not in ROLES:
            raise SignInFailed("akun ini tidak memiliki peran Monev (auditor/operator/integrator)")
        opd = claim(claims, opd_claim) or claim(extra, opd_claim)
        if role == "integrator" and not opd:
            raise SignInFailed("integrator tanpa OPD")
        lifetime = float(tokens.get("expires_in") or 300)
        expires = time.time() + min(lifetime, float(self.settings.session_max_age_s))
        name = str(claims.get("name") or claims.get("preferred_username") or claims["sub"])
        user = User(name[:80], str(role), str(opd) if opd else None, access, expires)
        return user, safe_next(str(flow.get("x") or "/"))

    async def _exchange(self, code: str, verifier: str) -> dict[str, Any]:
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": self.redirect_uri,
            "client_id": self.settings.oidc_client_id,
            "code_verifier": verifier,
        }
        timeout = aiohttp.ClientTimeout(total=self.settings.gateway_timeout_s)
        try:
            async with (
                aiohttp.ClientSession(timeout=timeout) as http,
                http.post(
                    meta["token_endpoint"], data=form, headers={"Accept": "application/json"}
                ) as resp,
            ):
                body = await resp.json(content_type=None)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise SignInFailed("penukaran kode gagal: penyedia tidak dapat dihubungi") from exc
        if status != 200 or not isinstance(body, dict):
            error = body.get("error") if isinstance(body, dict) else None
            raise SignInFailed(f"penukaran kode ditolak ({status} {error or ''})".strip())
        return body

    async def _decode(self, token: str) -> jwt.Token:
        try:
            return jwt.decode(token, await self.keys(), algorithms=ALGORITHMS)
        except ValueError:  # e.g. an unknown kid: the provider rotated its keys
            return jwt.decode(token, await self.keys(refresh=True), algorithms=ALGORITHMS)

    async def _verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        meta = await self.metadata()
        if not id_token:
            raise SignInFailed("tidak ada ID token")
        try:
            token = await self._decode(id_token)
            jwt.JWTClaimsRegistry(
                leeway=60,
                iss={"essential": True, "value": meta["issuer"]},
                aud={"essential": True, "value": self.settings.oidc_client_id},
                exp={"essential": True},
                sub={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(token.claims)
        except (JoseError, ValueError) as exc:
            log.info("monev.id_token_rejected", extra={"reason": exc.__class__.__name__})
            raise SignInFailed("ID token tidak sah") from exc
        return dict(token.claims)

    async def _access_claims(self, access: str) -> dict[str, Any]:
        """Claims of a JWT access token (Keycloak puts role mappers there); {} otherwise.
        Its signature is checked; the gateway checks it again for every request."""
        if access.count(".") != 2:
            return {}
        try:
            return dict((await self._decode(access)).claims)
        except (JoseError, ValueError):
            return {}

    def logout_url(self, request: Request) -> str | None:
        meta = self._meta or {}
        end = meta.get("end_session_endpoint")
        if not isinstance(end, str):
            return None
        params = {
            "client_id": self.settings.oidc_client_id,
            "post_logout_redirect_uri": self.settings.public_url.rstrip("/") + "/masuk",
        }
        return end + "?" + urlencode(params)
