"""Bearer-token authentication for GraphQL over HTTP, as one pure-ASGI middleware.

It wraps the GraphQL endpoint only, so ``/health`` and ``/health/ready`` stay open. Every
request loses any client-sent ``X-Rumah-Role`` / ``X-Rumah-Opd``; an authenticated one gets
them back from its principal (the endpoint forwards them to subgraphs). CORS preflights and
the GraphiQL page (static HTML a browser cannot attach a token to) pass without a token;
everything else without a valid token gets 401 with a GraphQL error body.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import orjson

from gateway.auth.authenticator import Authenticator
from gateway.auth.credentials import bearer_token
from gateway.auth.forwarding import PRINCIPAL_HEADERS, principal_headers
from gateway.auth.principal import Principal
from gateway.web.asgi import ASGIApp, Receive, Scope, Send, respond
from gateway.web.negotiation import accepts_html

log = logging.getLogger("gateway.auth")

UNAUTHENTICATED = "UNAUTHENTICATED"


def _error(message: str) -> bytes:
    return orjson.dumps({"errors": [{"message": message, "extensions": {"code": UNAUTHENTICATED}}]})


_MISSING = _error("Authentication required: send Authorization: Bearer <token>.")
_INVALID = _error("Invalid bearer token.")


class HttpAuthMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator, *, realm: str = "rumah") -> None:
        self.app = app
        self.authenticator = authenticator
        self._challenge = f'Bearer realm="{realm}"'.encode()
        self._invalid = self._challenge + b', error="invalid_token"'

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        authorization = accept = None
        kept: list[tuple[bytes, bytes]] = []
        for name, value in scope["headers"]:
            if name in PRINCIPAL_HEADERS:
                continue  # only the gateway may say who the caller is
            if name == b"authorization":
                authorization = value
            elif name == b"accept":
                accept = value
            kept.append((name, value))
        scope["headers"] = kept
        method = scope["method"]
        if method == "OPTIONS" or (
            method == "GET"
            and b"query=" not in scope.get("query_string", b"")
            and accepts_html(accept.decode("latin-1") if accept else None)
        ):
            await self.app(scope, receive, send)
            return
        token = bearer_token(authorization.decode("latin-1")) if authorization else None
        principal = self.authenticator.authenticate(token)
        if principal is None:
            log.debug("gateway.auth_rejected", extra={"token_sent": token is not None})
            challenge = self._challenge if token is None else self._invalid
            await respond(
                send,
                401,
                _MISSING if token is None else _INVALID,
                headers=[(b"www-authenticate", challenge)],
            )
            return
        kept.extend(_encoded(principal))
        await self.app(scope, receive, send)


@lru_cache(maxsize=1024)  # principals are few; encoding them per request showed in profiles
def _encoded(principal: Principal) -> tuple[tuple[bytes, bytes], ...]:
    return tuple(
        (key.encode(), value.encode("latin-1"))
        for key, value in principal_headers(principal).items()
    )
