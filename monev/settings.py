"""Monev's settings (``RUMAH_MONEV_*``)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict

from rumah.common.settings import RumahSettings

MONEV_PORT = 4010


class MonevSettings(RumahSettings):
    model_config = SettingsConfigDict(
        env_prefix="RUMAH_MONEV_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    host: str = Field("127.0.0.1", description="listen address")
    port: int = Field(MONEV_PORT, description="listen port")
    public_url: str = Field(
        "http://127.0.0.1:4010", description="the URL browsers use (OIDC redirect, cookies)"
    )
    gateway_url: str = Field(
        "http://127.0.0.1:4000/graphql", description="the gateway's GraphQL endpoint"
    )
    gateway_timeout_s: float = Field(10.0, gt=0, description="seconds per gateway request")
    auth: Literal["local", "oidc"] = Field(
        "local",
        description="local: sign in as a role from DEV_CREDENTIALS (make run); oidc: the "
        "regency's identity provider",
    )
    dev_credentials: Path = Field(
        Path("var/dev-credentials.json"),
        description='local sign-in: {"tokens": {role: token}} written by `rumah run`',
    )
    # The OIDC defaults are those of the local realm `rumah infra up` imports
    # (infra/keycloak/realm-rumah.json, client rumah-monev); tests/unit/monev/test_oidc_realm.py
    # keeps the two in step.
    oidc_discovery_url: str = Field(
        "http://127.0.0.1:8180/realms/rumah/.well-known/openid-configuration",
        description="OIDC discovery document (auth=oidc)",
    )
    oidc_client_id: str = Field("rumah-monev", description="public OIDC client (PKCE)")
    oidc_scopes: str = Field(
        "openid", description="scopes requested (the realm's client grants Rumah's scopes)"
    )
    oidc_role_claim: str = Field(
        "realm_access.roles",
        description="claim holding the role (auditor, operator, integrator); dots reach into "
        "objects, a list gives the first known role",
    )
    oidc_opd_claim: str = Field("opd", description="claim holding an integrator's OPD")
    session_secret: SecretStr = Field(
        SecretStr(""),
        description="key of the encrypted session cookie (≥ 32 characters); empty: a random "
        "key per process (sessions end on restart)",
    )
    session_max_age_s: int = Field(8 * 3600, gt=0, description="longest session")
    cookie_secure: bool | None = Field(
        None, description="Secure cookies; default: when PUBLIC_URL is https"
    )
    refresh_interval_s: float = Field(
        5.0,
        gt=0,
        description="live overview: seconds between re-reads of facts no event announces "
        "(upstream reachability, staleness)",
    )
    stale_after_s: float = Field(
        900.0, gt=0, description="data older than this many seconds is shown as stale"
    )
    usage_windows_days: tuple[int, int] = Field(
        (30, 90), description="the two usage windows of Manfaat anggaran, in days"
    )
    usage_count_cap: int = Field(
        200, ge=10, le=500, description="events counted per application and window (then N+)"
    )
    flag_min_spend: int = Field(
        1, ge=0, description="rupiah spent from which an application can be flagged"
    )
    flag_max_events: int = Field(
        5, ge=0, description="flagged when its 30-day usage is at most this many events"
    )
    log_level: str = Field("INFO", description="DEBUG, INFO, WARNING, ERROR")

    @model_validator(mode="after")
    def _check(self) -> MonevSettings:
        secret = self.session_secret.get_secret_value()
        if secret and len(secret) < 32:
            raise ValueError("session_secret must be at least 32 characters")
        if self.auth == "oidc" and not secret:
            raise ValueError("auth=oidc needs session_secret (shared by every replica)")
        return self

    @property
    def secure_cookies(self) -> bool:
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.public_url.startswith("https://")
