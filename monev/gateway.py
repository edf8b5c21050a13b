"""Monev's only source of data: GraphQL over HTTP and graphql-transport-ws to the gateway.

Each query is counted in the request's ``QueryLog`` (a context variable set by
``monev.timing.QueryCountMiddleware``), so every page can say how many queries it took.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import logging
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import orjson

log = logging.getLogger("monev.gateway")


class GatewayError(Exception):
    """The gateway could not answer (unreachable, not JSON, or errors and no data)."""


class Unauthenticated(GatewayError):
    """The gateway refused the token (expired or revoked): sign in again."""


@dataclass
class QueryLog:
    """What one page asked of the gateway."""

    count: int = 0
    gateway_ms: float = 0.0
    names: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # partial answers: shown on the page


QUERY_LOG: contextvars.ContextVar[QueryLog | None] = contextvars.ContextVar(
    "monev_query_log", default=None
)


def _ws_url(url: str) -> str:
    if url.startswith("https://"):
        return "wss://" + url.removeprefix("https://")
    return "ws://" + url.removeprefix("http://")


class GatewayClient:
    def __init__(self, url: str, *, timeout_s: float = 10.0) -> None:
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GatewayClient:
        self._session = aiohttp.ClientSession(
            timeout=self._timeout, json_serialize=lambda v: orjson.dumps(v).decode()
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("GatewayClient used outside its lifespan")
        return self._session

    async def query(
        self,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None,
        name: str = "query",
    ) -> dict[str, Any]:
        """``data`` of the answer; errors beside data are kept in the page's ``QueryLog``."""
        qlog = QUERY_LOG.get()
        started = time.perf_counter()
        headers = {"Accept": "application/graphql-response+json, application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        payload = {"query": document, "variables": dict(variables or {})}
        try:
            async with self.session.post(self.url, json=payload, headers=headers) as resp:
                raw = await resp.read()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(f"gateway unreachable: {exc.__class__.__name__}") from exc
        finally:
            if qlog is not None:
                qlog.count += 1
                qlog.names.append(name)
                qlog.gateway_ms += (time.perf_counter() - started) * 1000
        if status == 401:
            raise Unauthenticated("the gateway refused the session's token")
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise GatewayError(f"gateway answered {status} without JSON") from exc
        errors = [str(e.get("message", e)) for e in body.get("errors") or []]
        data = body.get("data")
        if data is None:
            raise GatewayError("; ".join(errors) or f"gateway answered {status} without data")
        if errors:
            log.info("monev.partial_answer", extra={"query": name, "errors": errors[:3]})
            if qlog is not None:
                qlog.errors.extend(errors)
        return dict(data)

    async def subscribe(
        self, document: str, variables: Mapping[str, Any] | None = None, *, token: str | None
    ) -> AsyncIterator[dict[str, Any]]:
        """Each ``next`` payload's data of a graphql-transport-ws subscription, until the
        server completes it; raises ``GatewayError`` on an ``error`` message or a close."""
        init: dict[str, Any] = {"Authorization": f"Bearer {token}"} if token else {}
        ids = itertools.count(1)
        try:
            async with self.session.ws_connect(
                _ws_url(self.url),
                protocols=("graphql-transport-ws",),
                heartbeat=30.0,
                timeout=aiohttp.ClientWSTimeout(ws_close=5.0),
            ) as ws:
                await ws.send_json({"type": "connection_init", "payload": init})
                ack = await ws.receive_json(timeout=10.0)
                if ack.get("type") != "connection_ack":
                    raise GatewayError(f"subscription refused: {ack.get('type')}")
                sid = str(next(ids))
                await ws.send_json(
                    {
                        "id": sid,
                        "type": "subscribe",
                        "payload": {"query": document, "variables": dict(variables or {})},
                    }
                )
                async for msg in ws:
                    if msg.type != aiohttp.WSMsgType.TEXT:
                        break
                    frame = orjson.loads(msg.data)
                    kind = frame.get("type")
                    if kind == "ping":
                        await ws.send_json({"type": "pong"})
                    elif kind == "next" and frame.get("id") == sid:
                        payload = frame.get("payload") or {}
                        if payload.get("data") is not None:
                            yield dict(payload["data"])
                    elif kind == "error":
                        messages = [str(e.get("message", e)) for e in frame.get("payload") or []]
                        raise GatewayError("; ".join(messages) or "subscription error")
                    elif kind == "complete":
                        return
                code = ws.close_code
                raise GatewayError(f"subscription closed ({code})")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayError(f"subscription failed: {exc.__class__.__name__}") from exc


@contextlib.contextmanager
def counting() -> Any:
    """Count the queries made inside the block (for code outside a request, e.g. the bench)."""
    qlog = QueryLog()
    reset = QUERY_LOG.set(qlog)
    try:
        yield qlog
    finally:
        QUERY_LOG.reset(reset)
