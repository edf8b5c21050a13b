"""``SubgraphFetcher`` over HTTP: GraphQL-over-HTTP POSTs to each subgraph's URL.

Any failure to get a GraphQL response (transport error, timeout, non-2xx status, a body
that is not a JSON object with ``data`` or ``errors``) raises ``SubgraphFetchError`` with a
code; the executor turns it into one error and serves everything else. The bytes travel
through a ``Transport``: the native HTTP/1.1 client (default) or aiohttp
(``gateway/client/aiohttp_transport.py``, imported only when selected).

**De-duplication** (``deduplicate=True``, Apollo Router's ``deduplicate_query``): a request
marked ``shareable`` (part of a client query) that is identical to one in flight — same
subgraph, same body (operation text, operation name, variables), same forwarded headers —
waits for that request's HTTP answer instead of sending its own. Each waiter decodes the
bytes itself (its own result objects) and turns a failure into its own errors at its own
paths. The request id and trace context the subgraph sees are the first request's.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from gateway.client.h1 import ConnectionPool, Http1Client, HttpError, RequestTimeout
from gateway.client.propagation import outgoing_headers
from gateway.ports import SubgraphFetchError, SubgraphInfo, SubgraphRequest
from rumah.common import tracing
from rumah.common.inflight import Inflight

if TYPE_CHECKING:
    from gateway.metrics import GatewayMetrics

HTTP_ERROR = "SUBREQUEST_HTTP_ERROR"
TIMEOUT = "SUBREQUEST_TIMEOUT"
MALFORMED = "SUBREQUEST_MALFORMED_RESPONSE"


class Transport(Protocol):
    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        """(status, reason, body); raises ``HttpError`` / ``RequestTimeout``. ``encoded``: more
        header lines, already encoded (``gateway.client.h1.encode_headers``)."""
        ...


class Credential(Protocol):
    """What the access layer sends with a principal's subgraph request: the headers and
    their HTTP/1.1 lines (sent as they are, and what de-duplication keys on), made once
    while it is reused."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    @property
    def encoded(self) -> bytes: ...


class NativeTransport:
    def __init__(self, client: Http1Client) -> None:
        self._client = client
        self._pools: dict[str, ConnectionPool] = {}

    async def post(
        self,
        url: str,
        body: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        pool = self._pools.get(url)
        if pool is None:
            pool = self._pools[url] = self._client.pool(url)
        response = await pool.post(body, headers, time_limit, retry_on_stale=retry, encoded=encoded)
        return response.status, response.reason, response.body


class HttpSubgraphFetcher:
    def __init__(
        self,
        transport: Transport,
        subgraphs: Mapping[str, SubgraphInfo],
        *,
        timeout: float = 30.0,
        timeouts: Mapping[str, float] | None = None,
        metrics: GatewayMetrics | None = None,
        credentials: Callable[[Any, str], Credential] | None = None,
        deduplicate: bool = False,
    ) -> None:
        self._metrics = metrics
        # (principal, subgraph) → the credential the access layer signs for it
        self._credentials = credentials
        # identical in-flight subgraph requests of queries: one HTTP request
        self._inflight: Inflight[tuple[int, str, bytes]] | None = (
            Inflight() if deduplicate else None
        )
        self._transport = transport
        self._urls = {name: info.url for name, info in subgraphs.items()}
        self._timeouts = {name: (timeouts or {}).get(name, timeout) for name in self._urls}
        if tracing.enabled():  # decided once: tracing off adds not even a check per fetch
            self.fetch = self._traced_fetch  # type: ignore[method-assign]

    async def _traced_fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        service = request.service
        attributes = {"rumah.subgraph": service, "url.full": self._urls.get(service, "")}
        with tracing.span(
            "gateway", f"gateway.fetch {service}", kind="client", attributes=attributes
        ):
            return await HttpSubgraphFetcher.fetch(self, request)

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
        timeout = self._timeouts[service]
        headers = request.headers
        items: object = None  # what stands for the headers in the de-duplication key
        encoded = b""  # header lines sent as they are (a credential's, encoded once)
        if self._credentials is not None and request.principal is not None:
            credential = self._credentials(request.principal, service)
            if headers:  # (replacing any forwarded ``authorization``)
                headers = {**headers, **credential.headers}
            else:
                # (its lines are the key: bytes whose hash is kept, equal for equal tokens)
                headers, items, encoded = None, credential.encoded, credential.encoded
        # Retrying on a stale keep-alive connection is safe unless the operation mutates.
        retry = not request.query.lstrip().startswith("mutation")
        body_bytes = orjson.dumps(payload)
        inflight = self._inflight
        if inflight is not None and request.shareable and retry:
            # the key holds the headers with the caller's credential: requests of different
            # principals (other scopes, another OPD) are never shared
            if items is None:
                items = tuple(sorted(headers.items())) if headers else ()
            key = (service, body_bytes, items)
            if key in inflight and self._metrics is not None:
                self._metrics.deduplicated(service)
            shared = headers
            status, reason, body = await inflight.run(
                key,
                lambda: self._measured(service, url, body_bytes, shared, timeout, retry, encoded),
            )
        else:
            status, reason, body = await self._measured(
                service, url, body_bytes, headers, timeout, retry, encoded
            )
        if not 200 <= status < 300:
            raise SubgraphFetchError(
                service,
                f"HTTP fetch failed from '{service}': {status} {reason}".rstrip(),
                HTTP_ERROR,
            )
        return decode_response(service, body)

    async def _measured(
        self,
        service: str,
        url: str,
        payload: bytes,
        headers: Mapping[str, str] | None,
        time_limit: float,
        retry: bool,
        encoded: bytes = b"",
    ) -> tuple[int, str, bytes]:
        """One HTTP request to the subgraph, counted in the metrics."""
        metrics, started = self._metrics, time.perf_counter()
        try:
            status, reason, body = await self._post(
                service, url, payload, outgoing_headers(headers), time_limit, retry, encoded
            )
        except Exception:  # not a cancellation: the client went away, nothing failed
            if metrics is not None:
                metrics.fetched(service, False, time.perf_counter() - started)
            raise
        if metrics is not None:
            metrics.fetched(service, 200 <= status < 300, time.perf_counter() - started)
        return status, reason, body

    async def _post(
        self,
        service: str,
        url: str,
        payload: bytes,
        headers: Any,
        time_limit: float,
        retry: bool,
        encoded: bytes,
    ) -> tuple[int, str, bytes]:
        try:
            return await self._transport.post(url, payload, headers, time_limit, retry, encoded)
        except RequestTimeout:
            raise SubgraphFetchError(
                service,
                f"HTTP fetch failed from '{service}': request timed out after {time_limit}s",
                TIMEOUT,
            ) from None
        except (TimeoutError, HttpError, OSError, ValueError) as exc:  # ValueError: bad URL
            raise SubgraphFetchError(
                service, f"HTTP fetch failed from '{service}': {exc}", HTTP_ERROR
            ) from None


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
