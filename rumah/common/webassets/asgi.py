"""A pure-ASGI responder for the assets in ``FILES`` (used by Monev and the gateway).

Mounted at a prefix, it answers ``GET|HEAD <prefix>/<digest>/<name>``: the file with a year
of immutable caching (the digest changes with the lock), 404 for anything else — including
any name not listed, so node_modules is never browsable.
"""

from __future__ import annotations

import mimetypes
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from rumah.common.webassets import FILES, digest, path_of

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]

_TYPES = {".js": b"text/javascript; charset=utf-8", ".css": b"text/css; charset=utf-8"}


class AssetApp:
    def __init__(self, prefix: str) -> None:
        self.prefix = "/" + prefix.strip("/")
        self._cache: dict[str, bytes] = {}

    def _body(self, name: str) -> bytes | None:
        if name in self._cache:
            return self._cache[name]
        path = path_of(name)
        if path is None or not path.is_file():
            return None
        body = path.read_bytes()
        self._cache[name] = body
        return body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope.get("path", "")
        rest = path[len(self.prefix) :].strip("/") if path.startswith(self.prefix) else ""
        version, _, name = rest.partition("/")
        body = None
        if scope["method"] in ("GET", "HEAD") and version == digest() and name in FILES:
            body = self._body(name)
        if body is None:
            await _send(send, 404, b"not found\n", b"text/plain; charset=utf-8", [])
            return
        kind = _TYPES.get("." + name.rsplit(".", 1)[-1])
        if kind is None:
            kind = (mimetypes.guess_type(name)[0] or "application/octet-stream").encode()
        extra = [
            (b"cache-control", b"public, max-age=31536000, immutable"),
            (b"x-content-type-options", b"nosniff"),
        ]
        await _send(send, 200, b"" if scope["method"] == "HEAD" else body, kind, extra, len(body))


async def _send(
    send: Send,
    status: int,
    body: bytes,
    kind: bytes,
    extra: list[tuple[bytes, bytes]],
    length: int | None = None,
) -> None:
    headers = [
        (b"content-type", kind),
        (b"content-length", str(len(body) if length is None else length).encode()),
        *extra,
    ]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def asset_url(mount: str, name: str) -> str:
    """The URL of ``name`` under an ``AssetApp`` mounted at ``mount``."""
    return f"/{mount.strip('/')}/{digest()}/{name}"
