"""The credential a subgraph gets with every request: a short-lived JWT the gateway signs
for that one subgraph.

Subgraphs believe a principal only from this token (``services/kit/subgraph_auth.py``
verifies it with the gateway's public key): ``aud`` is the subgraph's name, so a token one
subgraph receives is worthless at another; ``exp`` is at most a minute away. Claims::

    {"iss": "rumah-gateway", "aud": "<subgraph>", "sub": "<subject>", "iat": …, "exp": …,
     "roles": ["integrator"], "scope": "licensing:read ledger:read", "opd": "DPMPTSP",
     "idp": "<issuer that vouched for the subject>"}

Signing costs tens of microseconds, so a token is reused for the same principal and
subgraph until half its lifetime has passed (bounded LRU). What a fetch needs of it — the
headers, and their HTTP/1.1 lines, sent as they are and keyed on by de-duplication — is
made once per token too
(``SubgraphCredential``), found per fetch by the principal's ``identity`` (no hashing of
the principal's fields on every fetch).

Runs compiled by mypyc when ``make install`` built it from this very source
(``gateway/auth/native.py``), else as it is: keep it fully typed.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import jwt

from gateway.auth.principal import Principal
from gateway.client.h1 import encode_headers
from gateway.ports import SubgraphFetcher, SubgraphRequest
from rumah.common.keys import PrivateKey, algorithm, key_id

ISSUER = "rumah-gateway"


@dataclass(frozen=True, slots=True, eq=False)
class SubgraphCredential:
    """One signed credential, ready for every fetch that carries it while it is reused."""

    principal: Principal  # whose it is
    headers: Mapping[str, str]  # {"authorization": "Bearer …"}: read it, never change it
    # ``headers`` as HTTP/1.1 lines (``name: value\r\n``): sent as they are, and the
    # de-duplication key (bytes keep their hash; equal for equal tokens)
    encoded: bytes
    renew_at: float


class SubgraphSigner:
    def __init__(
        self,
        key: PrivateKey,
        *,
        issuer: str = ISSUER,
        ttl_s: int = 60,
        cache_size: int = 10_000,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._key = key
        self._algorithm = algorithm(key)
        self._headers = {"kid": key_id(key.public_key()), "typ": "JWT"}
        self.issuer, self.ttl_s, self._clock = issuer, ttl_s, clock
        self._cache: OrderedDict[tuple[Principal, str], tuple[str, float]] = OrderedDict()
        self._cache_size = cache_size
        # ready-made credentials by audience, then by the principal's ``identity`` (bytes
        # whose hash Python keeps: no key to build or hash per fetch), shared while fresh
        self._ready: dict[str, dict[bytes, SubgraphCredential]] = {}
        self._ready_count = 0

    def token(self, principal: Principal, audience: str) -> str:
        now = self._clock()
        key = (principal, audience)
        found = self._cache.get(key)
        if found is not None and found[1] > now:
            return found[0]
        issued = int(now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": principal.subject,
            "iat": issued,
            "exp": issued + self.ttl_s,
            "roles": sorted(principal.roles),
            "scope": " ".join(sorted(principal.scopes)),
            "idp": principal.issuer,
        }
        if principal.opd is not None:
            claims["opd"] = principal.opd
        token = jwt.encode(claims, self._key, algorithm=self._algorithm, headers=self._headers)
        self._cache[key] = (token, issued + self.ttl_s / 2)
        self._cache.move_to_end(key)
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return token

    def authorization(self, principal: Principal, audience: str) -> str:
        return "Bearer " + self.token(principal, audience)

    def credential(self, principal: Principal, audience: str) -> SubgraphCredential:
        """``principal``'s credential for ``audience`` (the same object while the token is
        reused, for every principal equal to it). Found by the principal's ``identity`` (all
        that its ``==`` compares, one bytes object whose hash is kept), so a fetch neither
        hashes the principal's fields nor builds a key."""
        ready_for = self._ready.get(audience)
        if ready_for is not None:
            ready = ready_for.get(principal.identity)
            if ready is not None and ready.renew_at > self._clock():
                return ready
        token = self.token(principal, audience)
        _, renew_at = self._cache[(principal, audience)]
        headers = {"authorization": "Bearer " + token}
        made = SubgraphCredential(principal, headers, encode_headers(headers), renew_at)
        if self._ready_count >= self._cache_size:
            self._ready.clear()
            self._ready_count = 0
        ready_for = self._ready.setdefault(audience, {})
        if principal.identity not in ready_for:
            self._ready_count += 1
        ready_for[principal.identity] = made
        return made

    def headers(self, principal: Principal, audience: str) -> Mapping[str, str]:
        """``{"authorization": "Bearer …"}`` (the same mapping while the token is reused:
        read it, never change it)."""
        return self.credential(principal, audience).headers


class CredentialedFetcher:
    """A ``SubgraphFetcher`` that adds the subgraph credential of the request's principal
    (replacing any ``Authorization`` header forwarded from the client)."""

    def __init__(self, inner: SubgraphFetcher, signer: SubgraphSigner) -> None:
        self.inner, self.signer = inner, signer

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        principal = request.principal
        if isinstance(principal, Principal):
            credential = self.signer.credential(principal, request.service).headers
            forwarded = request.headers
            request = SubgraphRequest(
                request.service,
                request.query,
                request.operation_name,
                request.variables,
                {**forwarded, **credential} if forwarded else credential,
                principal,
                request.shareable,
            )
        return await self.inner.fetch(request)
