"""Bind the caller to the log lines of a request, from the headers that name it.

Behind the gateway the principal travels as headers (``X-Rumah-Role`` / ``X-Rumah-Opd``,
set by the gateway's access layer after authentication); this middleware joins their
values (``integrator/bpkd``) into the ``principal`` field of every line of the request. It
only labels logs: it decides nothing. A value that does not look like a name is logged as
``invalid`` so a header cannot write arbitrary text into logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rumah.common.logs import principal_var
from rumah.common.request_id import ASGIApp, Receive, Scope, Send

_NAME = re.compile(rb"[A-Za-z0-9._:@-]{1,64}")


class LogPrincipal:
    def __init__(self, app: ASGIApp, headers: Iterable[bytes]) -> None:
        self.app = app
        self.headers = tuple(headers)  # in the order their values are joined

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        found: dict[bytes, bytes] = {}
        for name, value in scope["headers"]:
            if name in self.headers:
                found[name] = value
        if not found:
            await self.app(scope, receive, send)
            return
        parts = [found[h] for h in self.headers if h in found]
        principal = "/".join(p.decode() if _NAME.fullmatch(p) else "invalid" for p in parts)
        token = principal_var.set(principal)
        try:
            await self.app(scope, receive, send)
        finally:
            principal_var.reset(token)
