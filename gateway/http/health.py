"""``GET /health`` (200 once a supergraph is loaded, 503 before) and ``GET /health/ready``
(each subgraph's reachability and own readiness; 200 only when every subgraph is ready).

The readiness report is cached for ``cache_s`` seconds and computed by one probe at a time:
however often ``/health/ready`` is called, the subgraphs are asked at most once per period.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from gateway.ports import SubgraphInfo
from gateway.request.state import StateHolder
from gateway.web.asgi import Receive, Scope, Send, respond

Prober = Callable[[Mapping[str, SubgraphInfo]], Awaitable[dict[str, dict[str, Any]]]]

_OK = orjson.dumps({"status": "ok"})
_LOADING = orjson.dumps({"status": "loading"})


class HealthEndpoint:
    def __init__(
        self,
        holder: StateHolder,
        prober: Prober | None = None,
        notice: dict[str, Any] | None = None,
        checks: Callable[[], tuple[bool, dict[str, Any]]] | None = None,
        *,
        cache_s: float = 0.0,
    ) -> None:
        self.holder = holder
        self.prober = prober
        self.checks = checks  # more readiness conditions (e.g. the identity provider's keys)
        # said on every answer (e.g. that the gateway serves without credentials)
        self.notice = notice or {}
        self._ok = orjson.dumps({"status": "ok", **self.notice}) if notice else _OK
        self.cache_s = cache_s
        self._cached: tuple[object, float, dict[str, dict[str, Any]]] | None = None
        self._running: tuple[object, asyncio.Future[dict[str, dict[str, Any]]]] | None = None

    async def report(self, subgraphs: Mapping[str, SubgraphInfo]) -> dict[str, dict[str, Any]]:
        """The probe's report for ``subgraphs``: cached, and shared by concurrent callers."""
        if self.prober is None:
            return {}
        now = time.monotonic()
        cached = self._cached
        if cached is not None and cached[0] is subgraphs and now - cached[1] < self.cache_s:
            return cached[2]
        running = self._running
        if running is not None and running[0] is subgraphs:
            return await asyncio.shield(running[1])
        future = asyncio.ensure_future(self.prober(subgraphs))
        self._running = (subgraphs, future)
        try:
            report = await asyncio.shield(future)
        finally:
            if self._running is not None and self._running[1] is future:
                self._running = None
        self._cached = (subgraphs, time.monotonic(), report)
        return report

    async def live(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.holder.current is None:
            await respond(send, 503, _LOADING)
        else:
            await respond(send, 200, self._ok)

    async def ready(self, scope: Scope, receive: Receive, send: Send) -> None:
        state = self.holder.current
        if state is None:
            body: dict[str, Any] = {"status": "loading"}
            if self.holder.last_error:
                body["error"] = self.holder.last_error
            await respond(send, 503, orjson.dumps(body))
            return
        subgraphs = state.supergraph.subgraphs
        report = await self.report(subgraphs)
        ok = all(entry.get("reachable") and entry.get("ready", True) for entry in report.values())
        more: dict[str, Any] = {}
        if self.checks is not None:
            fine, more = self.checks()
            ok = ok and fine
        body = {
            "status": "ok" if ok else "degraded",
            "supergraph": state.supergraph.sdl_hash,
            "subgraphs": report,
            **more,
            **self.notice,
        }
        if self.holder.last_error:
            body["reloadError"] = self.holder.last_error
        await respond(send, 200 if ok else 503, orjson.dumps(body))
