"""OpenID Connect bearer tokens: JWTs verified against the issuer's published keys (PyJWT).

* **Keys**: the issuer's discovery document (``/.well-known/openid-configuration``, whose
  ``issuer`` must be the configured one) names its JWKS; ``PyJWKClient`` fetches it. The
  keys are refreshed in the background (``oidc_jwks_refresh_s``) and, when a token names a
  ``kid`` we do not know (the issuer rotated), at most once per ``oidc_jwks_min_interval_s``
  — so a flood of made-up ``kid``s costs the issuer nothing. When the issuer is down the
  keys we have keep working; ``status()`` says since when they could not be refreshed.
* **Checks**: the header's ``alg`` must be in the allow-list (never ``none``, never ``HS*``:
  a public key is never used as an HMAC secret) and match the key's own algorithm; the
  signature; ``iss``; ``aud`` (one of the configured audiences); ``exp``, ``nbf`` and ``iat``
  with ``oidc_leeway_s``; ``sub`` present.
* **Principal**: ``sub``; roles from a claim path (Keycloak: ``realm_access.roles``); scopes
  from ``scope`` (space-separated) or ``scp`` (list); the OPD from ``opd``. An integrator
  needs an OPD.
* **Cost**: a verified token is remembered (by its bytes, bounded) until it expires, so a
  client that reuses its token pays for the signature once.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import urllib.request
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import jwt
from jwt import PyJWK, PyJWKClient

from gateway.auth.authenticator import Verified
from gateway.auth.principal import Principal

log = logging.getLogger("gateway.auth.oidc")

ASYMMETRIC = frozenset(
    {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
)


class InvalidToken(Exception):
    """The token is refused; ``description`` goes to ``WWW-Authenticate`` (no secrets)."""

    def __init__(self, description: str, status: int = 401) -> None:
        super().__init__(description)
        self.description, self.status = description, status


@dataclass(frozen=True)
class OidcConfig:
    issuer: str
    audiences: tuple[str, ...]
    algorithms: frozenset[str] = frozenset({"RS256", "ES256", "PS256", "EdDSA"})
    leeway_s: int = 30
    jwks_uri: str | None = None  # None: from discovery
    jwks_refresh_s: float = 300.0
    jwks_min_interval_s: float = 10.0
    http_timeout_s: float = 5.0
    roles_claim: str = "realm_access.roles"
    scope_claim: str = "scope"
    opd_claim: str = "opd"
    cache_size: int = 10_000

    def __post_init__(self) -> None:
        unsafe = self.algorithms - ASYMMETRIC
        if unsafe or not self.algorithms:
            raise ValueError(
                f"RUMAH_GATEWAY_OIDC_ALGORITHMS: only asymmetric algorithms "
                f"({', '.join(sorted(ASYMMETRIC))}) may be allowed, not {sorted(unsafe)}"
            )
        if not self.audiences:
            raise ValueError("RUMAH_GATEWAY_OIDC_AUDIENCE: at least one audience is needed")


@dataclass
class KeyStatus:
    keys: int = 0
    last_success: float | None = None  # time.time() of the last successful fetch
    last_attempt: float | None = None
    error: str | None = None


def _fetch_json(url: str, timeout: float) -> Any:
    request = urllib.request.Request(url, headers={"accept": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - http(s) only
        return json.load(response)


class IssuerKeys:
    """The issuer's signing keys by ``kid``: discovery, refresh, rotation, status."""

    def __init__(self, config: OidcConfig, *, clock: Callable[[], float] = time.time) -> None:
        self.config = config
        self.clock = clock
        self.keys: dict[str, PyJWK] = {}
        self.status = KeyStatus()
        self._client: PyJWKClient | None = None
        self._refreshing: asyncio.Task[None] | None = None
        # told which kids a refresh dropped (tokens they signed must stop working now)
        self.removed_listeners: list[Callable[[set[str]], None]] = []

    async def _jwks_client(self) -> PyJWKClient:
        if self._client is None:
            uri = self.config.jwks_uri
            if uri is None:
                where = self.config.issuer.rstrip("/") + "/.well-known/openid-configuration"
                document = await asyncio.to_thread(_fetch_json, where, self.config.http_timeout_s)
                if not isinstance(document, dict) or document.get("issuer") != self.config.issuer:
                    raise ValueError(f"the discovery document at {where} names another issuer")
                uri = document.get("jwks_uri")
                if not isinstance(uri, str):
                    raise ValueError(f"the discovery document at {where} has no jwks_uri")
            self._client = PyJWKClient(uri, cache_jwk_set=False, timeout=self.config.http_timeout_s)
        return self._client

    async def refresh(self) -> None:
        """Fetch the keys now (one fetch at a time; callers share it). Never raises: a
        failure is recorded in ``status`` and the keys we had stay."""
        if self._refreshing is None or self._refreshing.done():
            self._refreshing = asyncio.create_task(self._refresh())
        await asyncio.shield(self._refreshing)

    async def _refresh(self) -> None:
        self.status.last_attempt = self.clock()
        try:
            client = await self._jwks_client()
            found = await asyncio.to_thread(client.get_signing_keys, True)
            keys = {
                k.key_id: k
                for k in found
                if k.key_id and k.algorithm_name in self.config.algorithms
            }
            if not keys:
                raise ValueError("the JWKS holds no signing key for an allowed algorithm")
        except Exception as exc:  # noqa: BLE001 - any failure: keep the keys we have
            self.status.error = f"{type(exc).__name__}: {exc}"
            log.warning("gateway.oidc_keys_refresh_failed", extra={"error": self.status.error})
            return
        removed = set(self.keys) - set(keys)
        self.keys = keys
        self.status.keys, self.status.last_success, self.status.error = (
            len(keys),
            self.clock(),
            None,
        )
        if removed:
            log.info("gateway.oidc_keys_removed", extra={"kids": ",".join(sorted(removed))})
            for listener in self.removed_listeners:
                listener(removed)

    async def key(self, kid: str) -> PyJWK | None:
        found = self.keys.get(kid)
        if found is not None:
            return found
        if self._refreshing is not None and not self._refreshing.done():
            await asyncio.shield(self._refreshing)  # a fetch is under way: wait for it
            return self.keys.get(kid)
        last = self.status.last_attempt
        # Unknown kid: maybe the issuer rotated its keys. At most one fetch per interval
        # (per second while we have no key at all), so made-up kids cannot flood the issuer.
        interval = self.config.jwks_min_interval_s if self.keys else 1.0
        if last is None or self.clock() - last >= interval:
            await self.refresh()
        return self.keys.get(kid)

    async def run(self) -> None:
        """Keep the keys fresh until cancelled (quickly at first, while none are loaded)."""
        delay = 1.0
        while True:
            await self.refresh()
            if self.keys and self.status.error is None:
                delay = self.config.jwks_refresh_s
            else:
                delay = min(30.0, delay * 2) if not self.keys else self.config.jwks_min_interval_s
            await asyncio.sleep(delay)


@dataclass(slots=True, eq=False)
class _Cached(Verified):
    kid: str = ""  # the key that signed it: withdrawn with that key
    signed: ClassVar[bool] = True  # a JWT ends with its signature


class JwtAuthenticator:
    """``Authenticator`` for the issuer's JWTs; ``None`` for tokens that are not JWTs."""

    def __init__(self, config: OidcConfig, keys: IssuerKeys | None = None) -> None:
        self.config = config
        self.keys = keys or IssuerKeys(config)
        self.keys.removed_listeners.append(self._forget)
        self._verified: OrderedDict[str, _Cached] = OrderedDict()

    def _forget(self, removed: set[str]) -> None:
        kept: OrderedDict[str, _Cached] = OrderedDict()
        for token, cached in self._verified.items():
            if cached.kid in removed:
                cached.withdraw()  # also for whoever remembers it (the gate)
            else:
                kept[token] = cached
        self._verified = kept

    decisive = False  # a token it has not verified yet may still be valid

    def verified(self, token: str) -> Verified | None:
        """The record of a token verified before and valid now; None: ask ``authenticate``
        (not verified yet, expired, or its key was withdrawn)."""
        cached = self._verified.get(token)
        if cached is not None and cached.clock() < cached.until:
            return cached
        return None

    def known(self, token: str) -> Principal | None:
        """The principal of ``verified(token)``."""
        cached = self.verified(token)
        return cached.principal if cached is not None else None

    async def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        cached = self._verified.get(token)  # the common case first: a client's token again
        if cached is not None:
            if cached.clock() < cached.until:
                return cached.principal
            del self._verified[token]
        if token.count(".") != 2:
            return None  # not a JWT: another provider's (or nobody's)
        principal, expires, kid = await self._verify(token)
        verified = self._verified  # after the wait: a key refresh may have replaced it
        # Judged by the keys' clock, with the leeway the checks allowed.
        record = _Cached(principal, expires + self.config.leeway_s, self.keys.clock, kid)
        superseded = verified.get(token)  # verified twice at once: one record stays
        if superseded is not None:
            superseded.withdraw()
        verified[token] = record
        if len(verified) > self.config.cache_size:
            _, forgotten = verified.popitem(last=False)
            forgotten.withdraw()  # a key withdrawn later could not reach it any more
        return principal

    async def _verify(self, token: str) -> tuple[Principal, float, str]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError:
            raise InvalidToken("malformed token") from None
        alg = header.get("alg")
        if alg not in self.config.algorithms:
            raise InvalidToken(f"algorithm {str(alg)[:16]!r} not accepted")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no key (kid)")
        key = await self.keys.key(kid)
        if key is None:
            if not self.keys.keys:
                raise InvalidToken("the identity provider's keys are not available", 503)
            raise InvalidToken("unknown signing key")
        if key.algorithm_name != alg:
            raise InvalidToken("the algorithm does not match the key")
        config = self.config
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=list(config.audiences),
                issuer=config.issuer,
                leeway=config.leeway_s,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise InvalidToken("token expired") from None
        except jwt.ImmatureSignatureError:
            raise InvalidToken("token not yet valid") from None
        except jwt.InvalidAudienceError:
            raise InvalidToken("token not for this audience") from None
        except jwt.InvalidIssuerError:
            raise InvalidToken("token from another issuer") from None
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(f"token lacks the {exc.claim} claim") from None
        except jwt.PyJWTError:
            raise InvalidToken("bad signature or malformed token") from None
        return self._principal(claims), float(claims["exp"]), kid

    def _principal(self, claims: dict[str, Any]) -> Principal:
        config = self.config
        roles = _path(claims, config.roles_claim)
        if roles is None:
            roles = []
        if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
            raise InvalidToken(f"{config.roles_claim} is not a list of strings")
        raw_scope = claims.get(config.scope_claim, claims.get("scp", ""))
        scopes = raw_scope.split() if isinstance(raw_scope, str) else raw_scope
        if not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes):
            raise InvalidToken("scope is neither a string nor a list of strings")
        opd = claims.get(config.opd_claim)
        if opd is not None and not (
            isinstance(opd, str) and 0 < len(opd) <= 64 and opd.isascii() and opd.isprintable()
        ):
            raise InvalidToken("the opd claim is malformed")
        if "integrator" in roles and not opd:
            raise InvalidToken("an integrator's token needs an opd claim")
        name = claims.get("preferred_username") or claims.get("azp")
        return Principal(
            subject=str(claims["sub"]),
            roles=frozenset(roles),
            scopes=frozenset(scopes),
            opd=opd,
            name=name if isinstance(name, str) else None,
            issuer=config.issuer,
            expires_at=float(claims["exp"]),
        )


def _path(claims: dict[str, Any], dotted: str) -> Any:
    """``claims["realm_access"]["roles"]`` for ``"realm_access.roles"`` (a key that itself
    contains dots is tried first)."""
    if dotted in claims:
        return claims[dotted]
    node: Any = claims
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def audiences(raw: Sequence[str]) -> tuple[str, ...]:
    return tuple(a for a in (x.strip() for x in raw) if a)
