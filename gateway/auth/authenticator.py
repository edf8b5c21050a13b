"""The one port for identity: ``Authenticator.authenticate(token) -> Principal | None``.

Anything with that method can replace the static token table (e.g. a JWT verifier); the
HTTP middleware and the WebSocket endpoint only ever call it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Protocol

from gateway.auth.principal import Principal


class Authenticator(Protocol):
    def authenticate(self, token: str | None) -> Principal | None:
        """The principal ``token`` stands for; None rejects the request (no or bad token)."""
        ...


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class StaticTokenAuthenticator:
    """Bearer tokens from settings, mapped to principals.

    Looked up by SHA-256 digest, so what a failed lookup's timing could reveal is a digest
    prefix, never a token prefix.
    """

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._by_digest = {_digest(token): principal for token, principal in tokens.items()}

    def __len__(self) -> int:
        return len(self._by_digest)

    def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        return self._by_digest.get(_digest(token))
