"""Reachability of each subgraph for ``GET /health/ready``: a ``{ __typename }`` query each."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.contracts import SubgraphInfo

_PROBE = orjson.dumps({"query": "{ __typename }"})


async def probe_subgraphs(
    session: aiohttp.ClientSession, subgraphs: Mapping[str, SubgraphInfo], limit: float
) -> dict[str, dict[str, Any]]:
    """Per subgraph name: ``{"url", "reachable", "latencyMs"}`` plus ``"error"`` if not."""
    names = list(subgraphs)
    results = await asyncio.gather(*(_probe(session, subgraphs[n].url, limit) for n in names))
    return dict(zip(names, results, strict=True))


async def _probe(session: aiohttp.ClientSession, url: str, limit: float) -> dict[str, Any]:
    started = time.perf_counter()
    out: dict[str, Any] = {"url": url}
    try:
        async with session.post(
            url,
            data=_PROBE,
            headers={"content-type": "application/json", "accept": "application/json"},
            timeout=aiohttp.ClientTimeout(total=limit),
        ) as response:
            await response.read()
            out["reachable"] = 200 <= response.status < 500
            if not out["reachable"]:
                out["error"] = f"HTTP {response.status}"
    except TimeoutError:
        out.update(reachable=False, error=f"timed out after {limit}s")
    except (aiohttp.ClientError, OSError) as exc:
        out.update(reachable=False, error=str(exc) or type(exc).__name__)
    out["latencyMs"] = round((time.perf_counter() - started) * 1000, 1)
    return out
