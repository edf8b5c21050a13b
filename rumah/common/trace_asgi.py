"""A server span per HTTP request (and per WebSocket connection), continuing the caller's
W3C ``traceparent``. Added only while tracing is on (``rumah.common.tracing``)."""

from __future__ import annotations

from typing import Any

from rumah.common import tracing
from rumah.common.logs import current_request_id
from rumah.common.request_id import ASGIApp, Message, Receive, Scope, Send

_CARRIED = (b"traceparent", b"tracestate")


class TraceMiddleware:
    """Pure ASGI; place it inside ``RequestIdMiddleware`` so the span knows the request id."""

    def __init__(self, app: ASGIApp, component: str) -> None:
        self.app = app
        self.component = component

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind not in ("http", "websocket") or not tracing.enabled():
            await self.app(scope, receive, send)
            return
        carrier = {
            name.decode(): value.decode("latin-1")
            for name, value in scope["headers"]
            if name in _CARRIED
        }
        method = scope.get("method", "WEBSOCKET")
        path = scope.get("path", "")
        attributes: dict[str, Any] = {"http.request.method": method, "url.path": path}
        request_id = current_request_id()
        if request_id is not None:
            attributes["rumah.request_id"] = request_id
        with tracing.span(
            self.component,
            f"{method} {path}",
            kind="server",
            attributes=attributes,
            parent=tracing.extract(carrier),
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        from opentelemetry.trace import Status, StatusCode

                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_traced)
