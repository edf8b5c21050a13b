"""Security headers on every response: a strict Content-Security-Policy (every script and
style is Monev's own or a served asset; no inline script), no framing, no sniffing."""

from __future__ import annotations

from collections.abc import Iterable

from rumah.common.webassets.asgi import Receive, Scope, Send


class SecurityHeadersMiddleware:
    def __init__(self, app: object, *, form_action: Iterable[str] = ()) -> None:
        self.app = app
        actions = " ".join(["'self'", *form_action])
        csp = (
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            f"connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action {actions}"
        )
        self.headers = [
            (b"content-security-policy", csp.encode()),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
            (b"x-frame-options", b"DENY"),
        ]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return

        async def wrapped(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.headers]
            await send(message)

        await self.app(scope, receive, wrapped)  # type: ignore[operator]
