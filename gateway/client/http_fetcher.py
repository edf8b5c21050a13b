"""``SubgraphFetcher`` over HTTP: GraphQL-over-HTTP POSTs through the shared session.

Any failure to get a GraphQL response (transport error, timeout, non-2xx status, a body
that is not a JSON object with ``data`` or ``errors``) raises ``SubgraphFetchError`` with a
code; the executor turns it into one error and serves everything else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp
import orjson

from gateway.contracts import SubgraphFetchError, SubgraphInfo, SubgraphRequest

HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"
TIMEOUT = "SUBREQUEST_TIMEOUT"
MALFORMED = "SUBREQUEST_MALFORMED_RESPONSE"
_HEADERS = {"content-type": "application/json", "accept": "application/json"}


class HttpSubgraphFetcher:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        subgraphs: Mapping[str, SubgraphInfo],
        *,
        timeout: float = 30.0,
        timeouts: Mapping[str, float] | None = None,
        connect_timeout: float = 5.0,
    ) -> None:
        self._session = session
        self._urls = {name: info.url for name, info in subgraphs.items()}
        self._timeouts: dict[str, aiohttp.ClientTimeout] = {}
        for name in self._urls:
            total = (timeouts or {}).get(name, timeout)
            self._timeouts[name] = aiohttp.ClientTimeout(
                total=total, sock_connect=min(connect_timeout, total)
            )

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        service = request.service
        url = self._urls.get(service)
        if url is None:
            raise SubgraphFetchError(service, f"Unknown subgraph '{service}'", HTTP_ERROR)
        payload: dict[str, Any] = {"query": request.query}
        if request.operation_name:
            payload["operationName"] = request.operation_name
        if request.variables:
            payload["variables"] = request.variables
        headers = {**request.headers, **_HEADERS} if request.headers else _HEADERS
        timeout = self._timeouts[service]
        try:
            async with self._session.post(
                url, data=orjson.dumps(payload), headers=headers, timeout=timeout
            ) as response:
                body = await response.read()
                status = response.status
                reason = response.reason
        except TimeoutError:
            raise SubgraphFetchError(
                service,
                f"HTTP fetch failed from '{service}': request timed out after {timeout.total}s",
                TIMEOUT,
            ) from None
        except (aiohttp.ClientError, OSError) as exc:
            raise SubgraphFetchError(
                service, f"HTTP fetch failed from '{service}': {_describe(exc)}", HTTP_ERROR
            ) from None
        if not 200 <= status < 300:
            raise SubgraphFetchError(
                service,
                f"HTTP fetch failed from '{service}': {status} {reason or ''}".rstrip(),
                HTTP_ERROR,
            )
        return decode_response(service, body)


def decode_response(service: str, body: bytes) -> Mapping[str, Any]:
    """A GraphQL response object from ``body`` or ``SubgraphFetchError``."""
    try:
        decoded = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise SubgraphFetchError(
            service, f"HTTP fetch failed from '{service}': invalid JSON in response body", MALFORMED
        ) from None
    if type(decoded) is not dict or not ("data" in decoded or "errors" in decoded):
        raise SubgraphFetchError(
            service,
            f"HTTP fetch failed from '{service}': response is not a GraphQL response",
            MALFORMED,
        )
    errors = decoded.get("errors")
    if errors is not None and type(errors) is not list:
        raise SubgraphFetchError(
            service, f"HTTP fetch failed from '{service}': \"errors\" is not a list", MALFORMED
        )
    return decoded


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
