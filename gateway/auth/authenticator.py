"""The one seam for identity: ``await Authenticator.authenticate(token) -> Principal | None``.

Providers: the static token table here, OpenID Connect JWTs (``gateway.auth.jwt``); several
are tried in turn (``gateway.auth.setup.FirstOf``). The HTTP access gate and the WebSocket
endpoint only ever call this. It is a coroutine because a provider may have to fetch keys
(a JWT naming a key the gateway has not seen yet).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Protocol

from gateway.auth.principal import Principal


class Authenticator(Protocol):
    async def authenticate(self, token: str | None) -> Principal | None:
        """The principal ``token`` stands for; None: not a token this provider knows.

        A provider that recognises a token as its own but refuses it (expired, bad
        signature, …) raises ``gateway.auth.jwt.InvalidToken`` with the reason.
        """
        ...


class KnowsTokens(Protocol):
    """A provider that can answer from memory, without waiting: ``known(token)`` is the
    principal ``authenticate`` would return *now* for a token it has already verified and
    that is still valid, else None ("ask ``authenticate``"). ``decisive``: its None also
    means ``authenticate`` would return None (nothing to fetch, nothing to refuse)."""

    decisive: bool

    def known(self, token: str) -> Principal | None: ...


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


class StaticTokenAuthenticator:
    """Bearer tokens from settings, mapped to principals.

    Looked up by SHA-256 digest, so what a failed lookup's timing could reveal is a digest
    prefix, never a token prefix.
    """

    decisive = True  # the table is all it knows

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._by_digest = {_digest(token): principal for token, principal in tokens.items()}

    def __len__(self) -> int:
        return len(self._by_digest)

    async def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        return self._by_digest.get(_digest(token))

    def known(self, token: str) -> Principal | None:
        return self._by_digest.get(_digest(token)) if token else None
