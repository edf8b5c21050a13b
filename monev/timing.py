"""Per-request query count and render time, as response headers.

``X-Monev-Queries`` is how many GraphQL requests the page made to the gateway and
``Server-Timing`` splits the time into the gateway's part and the whole; pages also print
both in their footer, and ``make bench`` reads the headers.
"""

from __future__ import annotations

import time

from monev.gateway import QUERY_LOG, QueryLog
from rumah.common.webassets.asgi import Receive, Scope, Send

QUERIES_HEADER = b"x-monev-queries"


class QueryCountMiddleware:
    def __init__(self, app: object) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)  # type: ignore[operator]
            return
        qlog = QueryLog()
        token = QUERY_LOG.set(qlog)
        started = time.perf_counter()
        scope.setdefault("state", {})["query_log"] = qlog

        async def wrapped(message: dict) -> None:  # type: ignore[type-arg]
            if message["type"] == "http.response.start":
                total = (time.perf_counter() - started) * 1000
                timing = (
                    f'gateway;dur={qlog.gateway_ms:.1f};desc="{qlog.count} queries", '
                    f"total;dur={total:.1f}"
                )
                message.setdefault("headers", [])
                message["headers"] = [
                    *message["headers"],
                    (QUERIES_HEADER, str(qlog.count).encode()),
                    (b"server-timing", timing.encode()),
                ]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)  # type: ignore[operator]
        finally:
            QUERY_LOG.reset(token)
