"""What the WebSocket endpoint needs from settings, as plain values (no pydantic per frame)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SubscriptionOptions:
    init_timeout: float = 10.0  # seconds from accept to connection_init (then 4408)
    keepalive_interval: float = 15.0  # seconds between server pings; 0 = none
    max_connections: int = 1000  # open WebSockets per gateway process; 0 = unlimited
    max_subscriptions: int = 100  # operations running at once on one connection; 0 = unlimited
    send_buffer_messages: int = 256  # frames waiting for a slow client before 4413
    send_buffer_bytes: int = 1_048_576  # bytes waiting for a slow client before 4413
    close_timeout: float = 5.0  # seconds to flush and send a close frame
    # client request headers sent on to subgraphs (lower-case), as for HTTP
    forward_headers: frozenset[bytes] = frozenset()
