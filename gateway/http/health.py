"""``GET /health`` (200 once a supergraph is loaded, 503 before) and ``GET /health/ready``
(each subgraph's reachability; 200 only when every subgraph answers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import orjson

from gateway.contracts import SubgraphInfo
from gateway.http.asgi import Receive, Scope, Send, respond
from gateway.state import StateHolder

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
    ) -> None:
        self.holder = holder
        self.prober = prober
        self.checks = checks  # more readiness conditions (e.g. the identity provider's keys)
        # said on every answer (e.g. that the gateway serves without credentials)
        self.notice = notice or {}
        self._ok = orjson.dumps({"status": "ok", **self.notice}) if notice else _OK

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
        report = await self.prober(subgraphs) if self.prober else {}
        ok = all(entry.get("reachable") for entry in report.values())
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
