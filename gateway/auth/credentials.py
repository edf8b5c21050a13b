"""Where a client's token is read from: ``Authorization: Bearer …`` over HTTP, the
``connection_init`` payload over WebSocket."""

from __future__ import annotations

from typing import Any

_INIT_KEYS = ("Authorization", "authorization", "token")


def bearer_token(value: str | None) -> str | None:
    """The token of an ``Authorization`` value (``Bearer <token>``, scheme case-insensitive)."""
    if not value:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "bearer":
        return None
    token = token.strip()
    return token or None


def token_from_init_payload(payload: Any) -> str | None:
    """The token in a graphql-transport-ws ``connection_init`` payload.

    ``{"Authorization": "Bearer t"}``, ``{"authorization": "Bearer t"}`` and ``{"token": "t"}``
    are accepted (a ``token`` value may carry the ``Bearer`` prefix too).
    """
    if not isinstance(payload, dict):
        return None
    for key in _INIT_KEYS:
        value = payload.get(key)
        if not isinstance(value, str):
            continue
        if key == "token":
            return bearer_token(value) or (value.strip() or None)
        return bearer_token(value)
    return None
