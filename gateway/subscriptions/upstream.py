"""The port to subgraph subscriptions: ``Upstream.events(request)`` yields each result the
owning subgraph sends for the primary fetch, and returns when the subgraph completes.

Failures raise ``UpstreamFailure``: the subgraph was unreachable, refused or broke the
protocol, closed without completing, or answered with an ``error`` message (its GraphQL
errors in ``errors``). Closing the generator (``aclose``, cancellation) stops the upstream.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

UPSTREAM_FAILED = "SUBSCRIPTION_UPSTREAM_FAILED"
UPSTREAM_CLOSED = "SUBSCRIPTION_UPSTREAM_CLOSED"


@dataclass(frozen=True, slots=True)
class UpstreamRequest:
    service: str
    url: str  # ws:// or wss://
    query: str
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    init_payload: Mapping[str, Any] | None = None  # the upstream connection_init payload
    headers: Mapping[str, str] | None = None  # sent with the WebSocket handshake
    principal: Any = None  # who the subscription runs as (the access layer signs for it)


class UpstreamFailure(Exception):
    def __init__(
        self,
        service: str,
        message: str,
        code: str = UPSTREAM_FAILED,
        errors: list[Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.service, self.code, self.errors = service, code, errors


class Upstream(Protocol):
    def events(self, request: UpstreamRequest) -> AsyncGenerator[Mapping[str, Any], None]:
        """Each ``next`` payload of the subgraph subscription (``data``/``errors``)."""
        ...


def websocket_url(url: str) -> str:
    """A subgraph's HTTP URL with the WebSocket scheme (http → ws, https → wss)."""
    if url.startswith("https://"):
        return "wss://" + url[len("https://") :]
    if url.startswith("http://"):
        return "ws://" + url[len("http://") :]
    return url
