"""Request ids: ``X-Request-Id`` accepted (when it looks like an id), else made; returned in
the response, bound to every log line of the request, passed on to subgraphs.

A client's id is kept only when it is 1–128 characters of ``A-Z a-z 0-9 . _ : - / + = @``
(what request ids made by proxies, load balancers and UUID/ULID generators look like);
anything else — empty, too long, spaces, control characters, other bytes — is replaced by a
fresh one, so a header cannot smuggle text into logs or other services' headers.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from rumah.common.logs import exchange_labels, labels_var

HEADER = "x-request-id"
_HEADER = HEADER.encode()
_VALID = re.compile(rb"[A-Za-z0-9._:/+=@-]{1,128}")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def new_request_id() -> str:
    return uuid.uuid4().hex


def accept_request_id(value: bytes | str | None) -> str:
    """``value`` if it is an acceptable id, else a new one."""
    raw = value.encode("latin-1", "replace") if isinstance(value, str) else value
    if raw is not None and _VALID.fullmatch(raw):
        return raw.decode("ascii")
    return new_request_id()


class RequestIdMiddleware:
    """Pure ASGI: binds the request id for the request (HTTP) or the connection
    (WebSocket), and sets ``X-Request-Id`` on the response (or the WebSocket accept)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind != "http" and kind != "websocket":
            await self.app(scope, receive, send)
            return
        sent = None
        for name, value in scope["headers"]:
            if name == _HEADER:
                sent = value
                break
        request_id = accept_request_id(sent)
        encoded = request_id.encode()
        start = "http.response.start" if kind == "http" else "websocket.accept"

        async def send_with_id(message: Message) -> None:
            if message["type"] == start:
                headers = [(k, v) for k, v in message.get("headers") or () if k.lower() != _HEADER]
                headers.append((_HEADER, encoded))
                message["headers"] = headers
            await send(message)

        # this exchange's own labels: the access layer names the caller in them
        token = labels_var.set(exchange_labels(request_id))
        try:
            await self.app(scope, receive, send_with_id)
        finally:
            labels_var.reset(token)
