"""What every subgraph request carries from the client request it serves: the request id
(``X-Request-Id``), so one id follows a request through the gateway and every subgraph."""

from __future__ import annotations

from collections.abc import Mapping

from rumah.common.logs import request_id_var


def outgoing_headers(headers: Mapping[str, str] | None) -> Mapping[str, str] | None:
    """``headers`` plus the current request's id (unchanged outside a request)."""
    request_id = request_id_var.get()
    if request_id is None:
        return headers
    out = dict(headers) if headers else {}
    out["x-request-id"] = request_id
    return out
