"""The one seam for identity: ``await Authenticator.authenticate(token) -> Principal | None``.

Providers: the static token table here, OpenID Connect JWTs (``gateway.auth.jwt``); several
are tried in turn (``gateway.auth.setup.FirstOf``). The HTTP access gate and the WebSocket
endpoint only ever call this. It is a coroutine because a provider may have to fetch keys
(a JWT naming a key the gateway has not seen yet).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import ClassVar, Protocol

from gateway.auth.principal import Principal


class Authenticator(Protocol):
    async def authenticate(self, token: str | None) -> Principal | None:
        """The principal ``token`` stands for; None: not a token this provider knows.

        A provider that recognises a token as its own but refuses it (expired, bad
        signature, …) raises ``gateway.auth.jwt.InvalidToken`` with the reason.
        """
        ...


@dataclass(slots=True, eq=False)
class Verified:
    """A token its provider has verified: it stands for ``principal`` while
    ``clock() < until`` (a JWT's ``exp`` plus the leeway; ``inf`` for a static token).

    The provider hands out its own record, so whoever keeps it (the access gate remembers it
    per ``Authorization`` value) sees the provider's later verdict: ``withdraw()`` — the
    signing key was withdrawn, or the provider forgot the token — ends it for everyone."""

    principal: Principal
    until: float
    clock: Callable[[], float] = time.time
    # the token ends with a signature this provider verified, so its last bytes are as hard
    # to guess as the token (the access gate may find it by them); not a static token's
    signed: ClassVar[bool] = False

    def valid(self) -> bool:
        return self.clock() < self.until

    def withdraw(self) -> None:
        self.until = -math.inf


class KnowsTokens(Protocol):
    """A provider that can answer from memory, without waiting: ``verified(token)`` is the
    record of a token it has already verified and that is still valid, else None ("ask
    ``authenticate``"); ``known(token)`` its principal. ``decisive``: its None also means
    ``authenticate`` would return None (nothing to fetch, nothing to refuse)."""

    decisive: bool

    def verified(self, token: str) -> Verified | None: ...

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
        # a static token never expires: changing the table needs a restart
        self._by_digest = {
            _digest(token): Verified(principal, math.inf) for token, principal in tokens.items()
        }

    def __len__(self) -> int:
        return len(self._by_digest)

    async def authenticate(self, token: str | None) -> Principal | None:
        if not token:
            return None
        found = self._by_digest.get(_digest(token))
        return found.principal if found is not None else None

    def verified(self, token: str) -> Verified | None:
        return self._by_digest.get(_digest(token)) if token else None

    def known(self, token: str) -> Principal | None:
        found = self.verified(token)
        return found.principal if found is not None else None
