"""The access decision for one request: a ``Principal``, or a ``Denial`` to send back.

Transport-neutral: the HTTP endpoint hands it the ``Authorization`` values of the request
it has already parsed (and will execute), as received (bytes), so the decision and the
execution read the same request. Nothing here looks at the query, the method or the
``Accept`` header: no request shape earns an exemption.

Runs compiled by mypyc when ``make install`` built it from this very source
(``gateway/auth/native.py``), else as it is: keep it fully typed, and name no attribute
``_signed`` (mypyc's C name for it, ``__signed``, is a C keyword).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson

from gateway.auth.authenticator import Authenticator, Verified
from gateway.auth.credentials import bearer_token
from gateway.auth.jwt import InvalidToken
from gateway.auth.principal import Principal
from gateway.auth.rate_limit import RateLimiter, retry_after

log = logging.getLogger("gateway.auth")

UNAUTHENTICATED = "UNAUTHENTICATED"


def _error(message: str, code: str = UNAUTHENTICATED) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


@dataclass(frozen=True, slots=True)
class Denial:
    """What to answer instead of executing: status, GraphQL error body, ``WWW-Authenticate``
    (and ``Retry-After`` for 429)."""

    status: int
    body: bytes
    challenge: bytes
    retry_after: str | None = None

    @property
    def headers(self) -> list[tuple[bytes, bytes]]:
        headers = [(b"www-authenticate", self.challenge)] if self.challenge else []
        if self.retry_after is not None:
            headers.append((b"retry-after", self.retry_after.encode()))
        return headers


_LIMITED = _error("Too many requests: slow down.", "RATE_LIMITED")

# how many trailing bytes of an ``Authorization`` value key what ``admit`` remembers: 32
# base64url characters of a JWT signature are 192 bits nobody guesses
PASS_TAIL = 32
_TAIL = -PASS_TAIL  # (the slice's start, computed once)


class AccessGate:
    def __init__(
        self,
        authenticator: Authenticator,
        *,
        realm: str = "rumah",
        limiter: RateLimiter | None = None,
        failures: RateLimiter | None = None,
        max_passes: int = 10_000,
    ) -> None:
        self.authenticator = authenticator
        # the provider's record of a token it verified before (``KnowsTokens.verified``)
        self._verified = getattr(authenticator, "verified", None)
        # For ``admit``, filled by ``check`` (so only values the general path accepted and
        # admitted), in the one spelling ``Bearer <token>`` (so one entry per token, whatever
        # else a client sends): the provider's record of the token, by the whole value —
        # and for a signed token (a JWT), by the last ``PASS_TAIL`` bytes of the value, with
        # the whole value to compare: hashing a 1 KB token on every request cost more than
        # the rest of ``admit`` together (see ``admit`` for why a signature's tail is a safe
        # key). Bounded together: only the identity provider can mint enough tokens to
        # empty them.
        self._passes: dict[bytes, Verified] = {}
        self._by_tail: dict[bytes, tuple[bytes, Verified]] = {}
        self.max_passes = max_passes
        self.limiter = limiter  # per principal
        self.failures = failures  # per client address, spent by failed authentications
        self._challenge = challenge = f'Bearer realm="{realm}"'.encode()
        self._missing = Denial(
            401,
            _error("Authentication required: send Authorization: Bearer <token>."),
            challenge,
        )
        self._invalid = Denial(
            401, _error("Invalid bearer token."), challenge + b', error="invalid_token"'
        )
        self._ambiguous = Denial(
            400,
            _error("Send one Authorization header, not several.", "BAD_REQUEST"),
            challenge + b', error="invalid_request"',
        )

    def admit(
        self, authorization: tuple[bytes, ...], client: str | None = None
    ) -> Principal | None:
        """The principal, when it is decided without waiting: one ``Authorization`` value that
        ``check`` accepted before, whose token its provider still vouches for (not expired,
        key not withdrawn), the client not held back for failures and the principal within
        its rate (one token spent, as ``check`` would). None: ask ``check`` (every refusal,
        first sight of a value, anything unusual).

        Same decision as ``check``, only cheaper: it runs on every request, so the value is
        found — no decoding, no parsing — in what ``check`` remembered. A signed token's
        value is found by its last ``PASS_TAIL`` bytes, then compared whole: they are the
        tail of the signature its provider verified (remembered in the one spelling
        ``Bearer <token>``, nothing after it), so nobody without the token finds the entry,
        the whole-value comparison (an ordinary one, ending at the first differing byte) runs
        only for a caller who already holds those bytes, and a value that merely shares them
        is a different value: ``check`` decides it. Any other value (a static token, whose
        last bytes an operator may have made guessable) is looked up whole: its hash must
        match before any byte is compared."""
        try:
            (value,) = authorization  # none or several: ``check`` says why not
        except ValueError:
            return None
        found = self._by_tail.get(value[_TAIL:])
        verified: Verified | None
        if found is not None and found[0] == value:
            verified = found[1]
        else:
            verified = self._passes.get(value)
            if verified is None:
                return None
        if not verified.clock() < verified.until:
            return None
        failures = self.failures
        # (``holding``: the addresses with a bucket; most requests come from none of them)
        if failures is not None and client in failures.holding and failures.wait(client):
            return None
        principal = verified.principal
        limiter = self.limiter
        if limiter is not None and limiter.take(principal.key):
            return None
        return principal

    async def check(
        self, authorization: tuple[bytes, ...], client: str | None = None
    ) -> Principal | Denial:
        """The principal of a request with these ``Authorization`` header values (as received,
        from ``client``, an address), or why it is refused (401, 400, 429, 503)."""
        failures = self.failures
        if failures is not None and client is not None:
            wait = failures.wait(client)
            if wait:
                return Denial(429, _LIMITED, b"", retry_after(wait))
        principal: Principal | None = None
        token: str | None = None
        if len(authorization) > 1:
            denial = self._ambiguous
        elif (
            token := bearer_token(authorization[0].decode("latin-1")) if authorization else None
        ) is None:
            denial = self._missing
        else:
            try:
                principal = await self.authenticator.authenticate(token)
            except InvalidToken as exc:
                log.debug("gateway.auth_rejected", extra={"reason": exc.description})
                denial = self._refused(exc)
            else:
                denial = self._invalid
        if principal is None or token is None:
            if failures is not None and client is not None and denial.status in (400, 401):
                failures.take(client)
            return denial
        limiter = self.limiter
        if limiter is not None and limiter.enabled:
            wait = limiter.take(principal.key)
            if wait:
                return Denial(429, _LIMITED, b"", retry_after(wait))
        self._remember(authorization[0], token, principal)
        return principal

    def _remember(self, value: bytes, token: str, principal: Principal) -> None:
        """Let ``admit`` answer for ``value`` while its provider vouches for the token: only
        for the spelling ``Bearer <token>`` (others keep going to ``check``, which answers
        them from the provider's memory too), so a client cannot make entries of one token
        by the thousand (trailing blanks, other cases) and push out everybody else's."""
        if value != b"Bearer " + token.encode("latin-1"):
            return
        verified = self._verified(token) if self._verified is not None else None
        if verified is None or verified.principal is not principal:
            return  # nothing the provider keeps (or it changed its mind meanwhile)
        passes, by_tail = self._passes, self._by_tail
        if len(passes) + len(by_tail) >= self.max_passes:
            passes.clear()
            by_tail.clear()
        if verified.signed and len(token) > PASS_TAIL:
            by_tail[value[-PASS_TAIL:]] = (value, verified)
        else:
            passes[value] = verified

    def _refused(self, exc: InvalidToken) -> Denial:
        description = exc.description.replace('"', "'")
        if exc.status == 503:
            body = _error(f"Cannot check the token now: {exc.description}.", "UNAVAILABLE")
            return Denial(503, body, self._challenge)
        extra = f', error="invalid_token", error_description="{description}"'
        challenge = self._challenge + extra.encode()
        return Denial(401, _error(f"Invalid bearer token: {exc.description}."), challenge)


ANONYMOUS = Principal("anonymous", issuer="none")


class Anyone:
    """The authenticator of an open gateway: everyone is ``ANONYMOUS``."""

    async def authenticate(self, token: str | None) -> Principal | None:
        return ANONYMOUS


class OpenGate(AccessGate):
    """Lets every request through as ``ANONYMOUS`` (``RUMAH_GATEWAY_AUTH=none``)."""

    def __init__(self) -> None:
        super().__init__(Anyone())

    def admit(
        self, authorization: tuple[bytes, ...], client: str | None = None
    ) -> Principal | None:
        return ANONYMOUS

    async def check(
        self, authorization: tuple[bytes, ...], client: str | None = None
    ) -> Principal | Denial:
        return ANONYMOUS
