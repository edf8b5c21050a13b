"""Incremental delivery over HTTP: ``multipart/mixed`` as Apollo Server and Hive Gateway
write it (``deferSpec=20220824``; Apollo Router writes the same parts with the boundary
``graphql``; clients read the boundary from the header).

    Content-Type: multipart/mixed; boundary="-"; deferSpec=20220824

    ⏎---⏎Content-Type: application/json; charset=utf-8⏎⏎{"data":…,"hasNext":true}
    ⏎---⏎Content-Type: application/json; charset=utf-8⏎⏎{"incremental":[…],"hasNext":false}
    ⏎-----⏎                                                        (⏎ = CR LF)

Each part is sent as soon as its payload exists (one ``http.response.body`` message with
``more_body``; uvicorn writes it as one HTTP chunk). The delimiter before a part is
``CRLF--boundary`` (RFC 2046, with the leading CRLF that strict clients need), the close
delimiter ``CRLF--boundary--``. While the parts are being produced the request's
``receive`` is watched: when the client disconnects, production stops and the deferred
work still running is cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Any

import orjson

from gateway.web.asgi import Receive, Send

log = logging.getLogger("gateway.http")

CONTENT_TYPE = b'multipart/mixed; boundary="-"; deferSpec=20220824'
_PART = b"\r\n---\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
_CLOSE = b"\r\n-----\r\n"


def encode_part(payload: dict[str, Any]) -> bytes:
    """One part: the delimiter, its headers and the JSON payload."""
    return _PART + orjson.dumps(payload)


async def send_multipart(
    send: Send, receive: Receive, payloads: AsyncIterator[dict[str, Any]]
) -> dict[str, Any] | None:
    """Stream ``payloads`` as one multipart response; the first payload (None when the
    client went away before it)."""
    first: dict[str, Any] | None = None
    gone = asyncio.ensure_future(_disconnected(receive))
    try:
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", CONTENT_TYPE), (b"cache-control", b"no-cache")],
            }
        )
        iterator = aiter(payloads)
        while True:
            step = asyncio.ensure_future(anext(iterator))
            await asyncio.wait((step, gone), return_when=asyncio.FIRST_COMPLETED)
            if not step.done():  # the client went away: stop producing
                step.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await step
                log.info("gateway.multipart_client_gone")
                return first
            try:
                payload = step.result()
            except StopAsyncIteration:
                break
            if first is None:
                first = payload
            await send(
                {"type": "http.response.body", "body": encode_part(payload), "more_body": True}
            )
        await send({"type": "http.response.body", "body": _CLOSE, "more_body": False})
        return first
    finally:
        gone.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await gone
        aclose = getattr(payloads, "aclose", None)
        if aclose is not None:
            await aclose()  # cancels deferred work still running


async def _disconnected(receive: Receive) -> None:
    """Returns when the client disconnects. (After the request body, an ASGI server's
    ``receive`` blocks until then; anything else ends the watch, never a busy loop.)"""
    if (await receive())["type"] != "http.disconnect":
        await asyncio.Event().wait()
