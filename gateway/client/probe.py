"""Readiness of each subgraph for ``GET /health/ready``.

Two questions per subgraph, asked together: does its GraphQL endpoint answer (a
``{ __typename }`` query through the subgraph transport), and does the subgraph say it is
ready itself (``GET <origin><health_path>``, by default ``/health/ready`` — where a Rumah
service reports its store, log and upstream). A subgraph without such an endpoint (404/405)
counts as ready when it answers GraphQL. The subgraph's own reasons are passed on
(shortened): Rumah's services word them for people (engine, since when, what fixes it).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp
import orjson

from gateway.client.h1 import HttpError
from gateway.client.http_fetcher import Transport
from gateway.ports import SubgraphInfo

_PROBE = orjson.dumps({"query": "{ __typename }"})
_REASON_MAX = 300


def health_url(url: str, path: str) -> str:
    """The readiness URL on the same origin as the subgraph's GraphQL ``url``."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


async def probe_subgraphs(
    transport: Transport,
    subgraphs: Mapping[str, SubgraphInfo],
    limit: float,
    *,
    session: aiohttp.ClientSession | None = None,
    health_path: str = "",
) -> dict[str, dict[str, Any]]:
    """Per subgraph name: ``{"url", "reachable", "ready", "latencyMs"}`` plus ``"error"`` /
    ``"failing"`` when not."""
    names = list(subgraphs)
    results = await asyncio.gather(
        *(_probe(transport, session, subgraphs[n].url, limit, health_path) for n in names)
    )
    return dict(zip(names, results, strict=True))


async def _probe(
    transport: Transport,
    session: aiohttp.ClientSession | None,
    url: str,
    limit: float,
    health_path: str,
) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {"url": url}
    graphql = _graphql(transport, url, limit)
    if session is not None and health_path:
        (reachable, error), (ready, failing) = await asyncio.gather(
            graphql, _ready(session, health_url(url, health_path), limit)
        )
    else:
        (reachable, error), (ready, failing) = await graphql, (True, None)
    out["reachable"] = reachable
    out["ready"] = reachable and ready
    if error:
        out["error"] = error
    if failing:
        out["failing"] = failing
    out["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
    return out


async def _graphql(transport: Transport, url: str, limit: float) -> tuple[bool, str | None]:
    try:
        status, _, _ = await transport.post(url, _PROBE, None, limit, True)
    except (HttpError, ValueError) as exc:
        return False, str(exc)
    if 200 <= status < 500:
        return True, None
    return False, f"HTTP {status}"


async def _ready(
    session: aiohttp.ClientSession, url: str, limit: float
) -> tuple[bool, dict[str, str] | None]:
    try:
        async with session.get(url, timeout=aiohttp.ClientTimeout(total=limit)) as response:
            if response.status in (404, 405):
                return True, None  # no readiness endpoint: answering GraphQL is all we know
            if response.status == 200:
                return True, None
            body = await response.read()
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return False, {"health": f"{url}: {type(exc).__name__}"}
    return False, _failing(response.status, body)


def _failing(status: int, body: bytes) -> dict[str, str]:
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        decoded = None
    failing = decoded.get("failing") if isinstance(decoded, dict) else None
    if isinstance(failing, dict) and failing:
        return {str(k)[:64]: str(v)[:_REASON_MAX] for k, v in list(failing.items())[:16]}
    return {"health": f"HTTP {status}"}


def health_session() -> aiohttp.ClientSession:
    """The session readiness probes use (no environment proxy: subgraphs are near)."""
    return aiohttp.ClientSession(trust_env=False, headers={"user-agent": "rumah-gateway"})
