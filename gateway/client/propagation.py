"""What every subgraph request carries from the client request it serves: the request id
(``X-Request-Id``), so one id follows a request through the gateway and every subgraph, and
— while tracing is on — the W3C ``traceparent`` of the current span (the fetch's)."""

from __future__ import annotations

from collections.abc import Mapping

from rumah.common import tracing
from rumah.common.logs import labels_var


def outgoing_headers(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """``headers`` plus the current request's id and trace context (unchanged outside a
    request with tracing off)."""
    labels = labels_var.get()
    request_id = labels.request_id if labels is not None else None
    traced = tracing.enabled()
    if request_id is None and not traced:
        return headers
    out = dict(headers) if headers else {}
    if request_id is not None:
        out["x-request-id"] = request_id
    if traced:
        tracing.inject(out)
    return out
