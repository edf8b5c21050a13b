"""The access layer ``create_app`` installs, from settings — secure by default.

``RUMAH_GATEWAY_AUTH=required`` (the default) needs at least one identity provider, or the
gateway does not start; ``none`` serves everyone as an ``anonymous`` principal with no role
and no scope, and says so at start and on ``/health``.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from gateway.auth.authenticator import Authenticator, Verified
from gateway.auth.gate import ANONYMOUS, AccessGate, Anyone, OpenGate
from gateway.auth.jwt import IssuerKeys, JwtAuthenticator, OidcConfig, audiences
from gateway.auth.principal import Principal
from gateway.auth.rate_limit import RateLimiter
from gateway.auth.subgraph_credentials import SubgraphSigner
from gateway.auth.tokens import AccessConfigError, authenticator_from_setting
from gateway.settings import GatewaySettings
from rumah.common.keys import KeyConfigError, load_private_key
from rumah.common.secret_settings import read_secret_setting

log = logging.getLogger("gateway.auth")

__all__ = [
    "ANONYMOUS",
    "OPEN_WARNING",
    "Access",
    "Anyone",
    "FirstOf",
    "OpenGate",
    "access_from_settings",
]

OPEN_WARNING = "RUMAH_GATEWAY_AUTH=none: every request is served without a credential"


class FirstOf:
    """Several providers behind one ``Authenticator``: the first that knows the token."""

    def __init__(self, providers: list[Authenticator]) -> None:
        self.providers = providers
        self.decisive = all(getattr(p, "decisive", False) for p in providers)

    def verified(self, token: str) -> Verified | None:
        """What ``authenticate`` would answer, from memory: the record of the first provider
        that knows the token; None as soon as a provider could not say without asking."""
        for provider in self.providers:
            verified = getattr(provider, "verified", None)
            if verified is None:
                return None
            found: Verified | None = verified(token)
            if found is not None:
                return found
            if not provider.decisive:  # type: ignore[attr-defined]
                return None
        return None

    def known(self, token: str) -> Principal | None:
        found = self.verified(token)
        return found.principal if found is not None else None

    async def authenticate(self, token: str | None) -> Principal | None:
        for provider in self.providers:
            principal = await provider.authenticate(token)
            if principal is not None:
                return principal
        return None


@dataclass
class Access:
    mode: str  # "required" | "none"
    authenticator: Authenticator
    gate: AccessGate
    signer: SubgraphSigner | None
    providers: list[str] = field(default_factory=list)
    issuer_keys: IssuerKeys | None = None  # kept fresh by ``run`` (OpenID Connect)

    async def run(self) -> None:
        """Background work while the gateway runs (refreshing the issuer's keys)."""
        if self.issuer_keys is not None:
            await self.issuer_keys.run()

    def readiness(self) -> tuple[bool, dict[str, Any]]:
        """For ``/health/ready``: not ready while no issuer key was ever loaded; says when
        the keys could not be refreshed (the ones we have keep working)."""
        keys = self.issuer_keys
        if keys is None:
            return True, {}
        status = keys.status
        identity: dict[str, Any] = {
            "issuer": keys.config.issuer,
            "keys": status.keys,
            "lastRefresh": _iso(status.last_success),
            "refreshError": status.error,
        }
        return bool(keys.keys), {"identity": identity}

    def health(self) -> dict[str, Any]:
        """What ``/health`` adds: nothing when guarded, a warning when open."""
        if self.mode == "none":
            return {"auth": "none", "warning": OPEN_WARNING}
        return {}

    def log_start(self) -> None:
        if self.mode == "none":
            log.warning("gateway.auth_disabled", extra={"reason": OPEN_WARNING})
            print(f"\n*** WARNING: {OPEN_WARNING} ***\n", file=sys.stderr, flush=True)
        else:
            log.info("gateway.auth_enabled", extra={"providers": ",".join(self.providers)})
        if self.signer is None:
            log.warning(
                "gateway.subgraph_credentials_disabled",
                extra={"reason": "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY is not set"},
            )


def _iso(moment: float | None) -> str | None:
    if moment is None:
        return None
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="seconds")


def access_from_settings(settings: GatewaySettings) -> Access:
    """Raises ``AccessConfigError`` (one line, no secret) when the settings cannot work."""
    signer = None
    raw_key = settings.subgraph_signing_key.get_secret_value()
    if raw_key.strip():
        text, source = read_secret_setting(raw_key, "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY")
        try:
            key = load_private_key(text, source)
        except KeyConfigError as exc:
            raise AccessConfigError(str(exc)) from None
        signer = SubgraphSigner(key, ttl_s=settings.subgraph_token_ttl)
    if settings.auth == "none":
        if settings.profile == "production":
            raise AccessConfigError(
                "RUMAH_GATEWAY_AUTH=none is refused with RUMAH_GATEWAY_PROFILE=production"
            )
        return Access("none", Anyone(), OpenGate(), signer, ["none"])
    providers: list[Authenticator] = []
    names: list[str] = []
    static = authenticator_from_setting(settings.tokens.get_secret_value())
    if static is not None:
        providers.append(static)
        names.append(f"tokens({len(static)})")
    keys = None
    if settings.oidc_issuer.strip():
        oidc = _oidc(settings)
        keys = IssuerKeys(oidc)
        providers.append(JwtAuthenticator(oidc, keys))
        names.append(f"oidc({oidc.issuer})")
    if not providers:
        raise AccessConfigError(
            "no identity provider: set RUMAH_GATEWAY_TOKENS (static tokens) or "
            "RUMAH_GATEWAY_OIDC_ISSUER (OpenID Connect); RUMAH_GATEWAY_AUTH=none serves "
            "everyone without a credential"
        )
    authenticator: Authenticator = providers[0] if len(providers) == 1 else FirstOf(providers)
    gate = AccessGate(
        authenticator,
        limiter=RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst),
        failures=RateLimiter(
            settings.rate_limit_failed_auth_per_s, settings.rate_limit_failed_auth_burst
        ),
    )
    return Access("required", authenticator, gate, signer, names, keys)


def _oidc(settings: GatewaySettings) -> OidcConfig:
    try:
        return OidcConfig(
            issuer=settings.oidc_issuer.strip(),
            audiences=audiences(settings.oidc_audience),
            algorithms=frozenset(settings.oidc_algorithms),
            leeway_s=settings.oidc_leeway_s,
            jwks_uri=settings.oidc_jwks_uri.strip() or None,
            jwks_refresh_s=settings.oidc_jwks_refresh_s,
            jwks_min_interval_s=settings.oidc_jwks_min_interval_s,
            roles_claim=settings.oidc_roles_claim,
            scope_claim=settings.oidc_scope_claim,
            opd_claim=settings.oidc_opd_claim,
        )
    except ValueError as exc:
        raise AccessConfigError(str(exc)) from None
