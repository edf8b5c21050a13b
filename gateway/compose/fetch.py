"""Read a live subgraph's SDL through ``{ _service { sdl } }`` (aiohttp)."""

from __future__ import annotations

import aiohttp

SERVICE_QUERY = "query SubgraphIntrospectQuery { _service { sdl } }"


class FetchError(Exception):
    """The subgraph could not be reached or did not return its SDL."""


async def fetch_sdl(url: str, timeout_s: float = 10.0) -> str:
    """POST the ``_service`` query to ``url`` and return the subgraph SDL."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.post(url, json={"query": SERVICE_QUERY}) as response:
                if response.status >= 400:
                    raise FetchError(f"{url} answered HTTP {response.status}")
                body = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        raise FetchError(f"{url}: {exc}") from exc
    sdl = ((body or {}).get("data") or {}).get("_service", {}) or {}
    if not isinstance(sdl.get("sdl"), str):
        errors = (body or {}).get("errors")
        raise FetchError(f"{url} returned no _service.sdl" + (f": {errors}" if errors else ""))
    return str(sdl["sdl"])
