"""How subgraphs learn the principal: headers over HTTP, ``connection_init`` fields over
WebSocket. Clients can never set these themselves: the gateway strips them."""

from __future__ import annotations

from typing import Any

from gateway.auth.principal import Principal

ROLE_HEADER = "x-rumah-role"
OPD_HEADER = "x-rumah-opd"
PRINCIPAL_HEADERS: frozenset[bytes] = frozenset({ROLE_HEADER.encode(), OPD_HEADER.encode()})


def principal_headers(principal: Principal) -> dict[str, str]:
    """``{"x-rumah-role": …, "x-rumah-opd": …}`` (no OPD header when the principal has none)."""
    out: dict[str, str] = {ROLE_HEADER: principal.role}
    if principal.opd:
        out[OPD_HEADER] = principal.opd
    return out


def principal_payload(principal: Principal | None) -> dict[str, Any]:
    """The upstream ``connection_init`` payload: ``{"rumahRole": …, "rumahOpd": …}``."""
    if principal is None:
        return {}
    out: dict[str, Any] = {"rumahRole": principal.role}
    if principal.opd:
        out["rumahOpd"] = principal.opd
    return out
