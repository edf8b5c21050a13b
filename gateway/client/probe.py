"""Reachability of each subgraph for ``GET /health/ready``: a ``{ __typename }`` query each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import orjson

from gateway.client.h1 import HttpError
from gateway.client.http_fetcher import Transport
from gateway.ports import SubgraphInfo

_PROBE = orjson.dumps({"query": "{ __typename }"})


async def probe_subgraphs(
    transport: Transport, subgraphs: Mapping[str, SubgraphInfo], limit: float
) -> dict[str, dict[str, Any]]:
    """Per subgraph name: ``{"url", "reachable", "latencyMs"}`` plus ``"error"`` if not."""
    names = list(subgraphs)
    results = await asyncio.gather(*(_probe(transport, subgraphs[n].url, limit) for n in names))
    return dict(zip(names, results, strict=True))


async def _probe(transport: Transport, url: str, limit: float) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {"url": url}
    try:
        status, _, _ = await transport.post(url, _PROBE, None, limit, True)
        out["reachable"] = 200 <= status < 500
        if not out["reachable"]:
            out["error"] = f"HTTP {status}"
    except (HttpError, ValueError) as exc:
        out.update(reachable=False, error=str(exc))
    out["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
    return out
