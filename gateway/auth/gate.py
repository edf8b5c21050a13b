"""The access decision for one request: a ``Principal``, or a ``Denial`` to send back.

Transport-neutral: the HTTP endpoint hands it the ``Authorization`` values of the request
it has already parsed (and will execute), so the decision and the execution read the same
request. Nothing here looks at the query, the method or the ``Accept`` header: no request
shape earns an exemption.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import orjson

from gateway.auth.authenticator import Authenticator
from gateway.auth.credentials import bearer_token
from gateway.auth.jwt import InvalidToken
from gateway.auth.principal import Principal

log = logging.getLogger("gateway.auth")

UNAUTHENTICATED = "UNAUTHENTICATED"


def _error(message: str, code: str = UNAUTHENTICATED) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": code}}]})


@dataclass(frozen=True, slots=True)
class Denial:
    """What to answer instead of executing: status, GraphQL error body, ``WWW-Authenticate``."""

    status: int
    body: bytes
    challenge: bytes


class AccessGate:
    def __init__(self, authenticator: Authenticator, *, realm: str = "rumah") -> None:
        self.authenticator = authenticator
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

    async def check(self, authorization: tuple[str, ...]) -> Principal | Denial:
        """The principal of a request with these ``Authorization`` header values."""
        if len(authorization) > 1:
            return self._ambiguous
        token = bearer_token(authorization[0]) if authorization else None
        if token is None:
            return self._missing
        try:
            principal = await self.authenticator.authenticate(token)
        except InvalidToken as exc:
            log.debug("gateway.auth_rejected", extra={"reason": exc.description})
            return self._refused(exc)
        if principal is None:
            log.debug("gateway.auth_rejected", extra={"reason": "unknown token"})
            return self._invalid
        return principal

    def _refused(self, exc: InvalidToken) -> Denial:
        description = exc.description.replace('"', "'")
        if exc.status == 503:
            body = _error(f"Cannot check the token now: {exc.description}.", "UNAVAILABLE")
            return Denial(503, body, self._challenge)
        extra = f', error="invalid_token", error_description="{description}"'
        challenge = self._challenge + extra.encode()
        return Denial(401, _error(f"Invalid bearer token: {exc.description}."), challenge)
