"""No way around the gateway: a subgraph's GraphQL endpoint answers only requests that carry
a credential the gateway signed for this subgraph (``gateway/auth/subgraph_credentials.py``).

The credential is a JWT in ``Authorization: Bearer …`` (HTTP requests and the WebSocket
handshake), signed with the gateway's Ed25519/P-256 key; the subgraph checks the signature
against the configured public key(s) (by ``kid``, so keys can rotate), ``aud`` = its own
name, ``iss``, ``exp`` (lifetime at most ``RUMAH_SUBGRAPH_MAX_TTL_S``) with a few seconds of
leeway. Anything else — no header, a forged ``X-Rumah-Role``, a token for another subgraph,
an expired one — gets 401 (a WebSocket handshake: 403), ``_entities`` and ``_service``
included. Health, metrics and ``/sync`` stay open (they are routed elsewhere).

A verified token is remembered until it expires (the gateway reuses one per principal and
subgraph for half its lifetime), so the signature is checked once, not per request.
"""

from __future__ import annotations

import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

import jwt
import orjson
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from starlette.responses import Response

from rumah.common.keys import KeyConfigError, PublicKey, algorithm, load_public_keys
from rumah.common.logs import log_context
from rumah.common.secret_settings import read_secret_setting
from rumah.common.settings import RumahSettings
from services.kit.principal import Principal

log = logging.getLogger("rumah.subgraph_auth")

Scope = dict[str, Any]
ASGIApp = Callable[..., Any]
SCOPE_KEY = "rumah.principal"  # where the verified principal travels in the ASGI scope


class SubgraphAuthSettings(RumahSettings):
    model_config = SettingsConfigDict(
        **{**RumahSettings.model_config, "env_prefix": "RUMAH_SUBGRAPH_"}
    )

    # PEM public key(s) of the gateway (several during a rotation), or a file's path
    gateway_keys: SecretStr = SecretStr("")
    # the iss of the gateway's credentials
    issuer: str = "rumah-gateway"
    # longest credential lifetime accepted (exp - iat), seconds
    max_ttl_s: int = Field(60, ge=5, le=300)
    # clock difference tolerated on exp/iat, seconds
    leeway_s: int = Field(5, ge=0, le=60)


class CredentialError(Exception):
    """Why a credential was refused (logged; the client sees a generic message)."""


class GatewayCredentials:
    """Verifies the gateway's credentials for the subgraph ``audience``."""

    def __init__(
        self,
        keys: dict[str, PublicKey],
        audience: str,
        *,
        issuer: str = "rumah-gateway",
        max_ttl_s: int = 60,
        leeway_s: int = 5,
        cache_size: int = 4096,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.keys, self.audience, self.issuer = keys, audience, issuer
        self.max_ttl_s, self.leeway_s, self.clock = max_ttl_s, leeway_s, clock
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._cache_size = cache_size

    @classmethod
    def from_settings(cls, settings: SubgraphAuthSettings, audience: str) -> GatewayCredentials:
        raw = settings.gateway_keys.get_secret_value().strip()
        if not raw:
            raise KeyConfigError(
                "RUMAH_SUBGRAPH_GATEWAY_KEYS is not set: a subgraph answers only requests "
                "the gateway signed (`rumah run` sets it from var/dev-credentials.json)"
            )
        text, source = read_secret_setting(raw, "RUMAH_SUBGRAPH_GATEWAY_KEYS")
        return cls(
            load_public_keys(text, source),
            audience,
            issuer=settings.issuer,
            max_ttl_s=settings.max_ttl_s,
            leeway_s=settings.leeway_s,
        )

    def verify(self, token: str) -> Principal:
        now = self.clock()
        found = self._verified.get(token)
        if found is not None:
            if found[1] + self.leeway_s > now:
                return found[0]
            del self._verified[token]
        principal, expires = self._decode(token, now)
        self._verified[token] = (principal, expires)
        if len(self._verified) > self._cache_size:
            self._verified.popitem(last=False)
        return principal

    def _decode(self, token: str, now: float) -> tuple[Principal, float]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise CredentialError("not a JWT") from None
        key = self.keys.get(header.get("kid") or "")
        if key is None:
            raise CredentialError("unknown signing key")
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=[algorithm(key)],
                audience=self.audience,
                issuer=self.issuer,
                # times are checked below against our clock (the cache uses the same one)
                options={
                    "require": ["exp", "iat", "iss", "aud", "sub"],
                    "verify_exp": False,
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise CredentialError(type(exc).__name__) from None
        exp, iat = claims["exp"], claims["iat"]
        if type(exp) not in (int, float) or type(iat) not in (int, float):
            raise CredentialError("exp/iat are not numbers")
        if now >= exp + self.leeway_s:
            raise CredentialError("ExpiredSignatureError")
        if iat > now + self.leeway_s:
            raise CredentialError("ImmatureSignatureError")
        if exp - iat > self.max_ttl_s:
            raise CredentialError("lifetime too long")
        return _principal(claims), float(exp)


def _principal(claims: dict[str, Any]) -> Principal:
    roles = claims.get("roles") or []
    scope = claims.get("scope") or ""
    opd = claims.get("opd")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise CredentialError("roles is not a list of strings")
    if not isinstance(scope, str) or not (opd is None or isinstance(opd, str)):
        raise CredentialError("scope/opd are not strings")
    return Principal(str(claims["sub"]), frozenset(roles), frozenset(scope.split()), opd or None)


_REFUSED = orjson.dumps(
    {
        "errors": [
            {
                "message": "This subgraph answers only requests the Rumah gateway signed.",
                "extensions": {"code": "UNAUTHENTICATED"},
            }
        ]
    }
)


class RequireGatewayCredential:
    """Pure-ASGI guard in front of a subgraph's GraphQL app (HTTP and WebSocket)."""

    def __init__(self, app: ASGIApp, credentials: GatewayCredentials) -> None:
        self.app, self.credentials = app, credentials

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        values = [v for k, v in scope["headers"] if k == b"authorization"]
        principal: Principal | None = None
        reason = "no credential"
        if len(values) == 1:
            scheme, _, token = values[0].decode("latin-1").strip().partition(" ")
            if scheme.lower() == "bearer" and token.strip():
                try:
                    principal = self.credentials.verify(token.strip())
                except CredentialError as exc:
                    reason = str(exc)
        elif values:
            reason = "several Authorization headers"
        if principal is None:
            log.info("subgraph.credential_refused", extra={"reason": reason})
            await _refuse(scope, receive, send)
            return
        scope[SCOPE_KEY] = principal
        # the verified caller names the log lines of the request (never a header it sent)
        label = "/".join([*sorted(principal.roles), *([principal.opd] if principal.opd else [])])
        with log_context(principal=label or principal.subject):
            await self.app(scope, receive, send)


async def _refuse(scope: Scope, receive: Any, send: Any) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})  # before accept: HTTP 403
        return
    challenge = 'Bearer realm="rumah-subgraph", error="invalid_token"'
    response = Response(
        _REFUSED, 401, {"www-authenticate": challenge}, media_type="application/json"
    )
    await response(scope, receive, send)


def principal_of(scope: Scope) -> Principal:
    """The verified principal of a request the guard let through."""
    principal = scope.get(SCOPE_KEY)
    if not isinstance(principal, Principal):
        raise PermissionError("no verified principal (the guard is not installed)")
    return principal
