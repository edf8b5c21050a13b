"""WebSocket close codes the gateway uses (4400–4429 from graphql-transport-ws; 4413 and
1013 are the gateway's own) and a reason trimmed to what a close frame can carry."""

from __future__ import annotations

BAD_REQUEST = 4400  # malformed or unexpected message; the reason says which
UNAUTHORIZED = 4401  # subscribe before connection_ack
FORBIDDEN = 4403  # connection_init rejected (no or bad token)
SUBPROTOCOL_NOT_ACCEPTABLE = 4406
INIT_TIMEOUT = 4408
SUBSCRIBER_EXISTS = 4409
SLOW_CONSUMER = 4413  # the client does not read fast enough: outgoing buffer exceeded
TOO_MANY_INIT = 4429
INTERNAL_ERROR = 4500
TRY_AGAIN_LATER = 1013  # the gateway's connection limit is reached

_MAX_REASON_BYTES = 123  # RFC 6455 §5.5: control frame payload ≤ 125 bytes, 2 for the code


def close_reason(reason: str) -> str:
    """``reason`` cut to fit a close frame (on a UTF-8 character boundary)."""
    raw = reason.encode("utf-8", "replace")
    if len(raw) <= _MAX_REASON_BYTES:
        return reason
    return raw[:_MAX_REASON_BYTES].decode("utf-8", "ignore")
