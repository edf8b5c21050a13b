"""``RUMAH_GATEWAY_PROFILE=production``: what a deployment must not expose, off whatever the
individual settings say — the GraphiQL page, introspection, the query-plan explain header —
and an open gateway refused (``gateway.auth.setup``). docs/access.md lists the rest of the
production settings (safelist, identity provider, signing key, rate limits)."""

from __future__ import annotations

from gateway.settings import GatewaySettings


def apply_profile(settings: GatewaySettings) -> GatewaySettings:
    if settings.profile != "production":
        return settings
    return settings.model_copy(update={"graphiql": False, "introspection": False, "explain": False})
