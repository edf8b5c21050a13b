"""The gateway's WebSocket endpoint (``create_app(..., websocket=…)``): subprotocol check,
connection limit, then one ``Connection`` per socket.

The socket is always accepted first so a refusal can carry a close code and reason: no
``graphql-transport-ws`` offered → 4406; the gateway at ``max_connections`` → 1013.
"""

from __future__ import annotations

import logging

from gateway.subscriptions import closecodes as cc
from gateway.subscriptions.connection import Connection
from gateway.subscriptions.messages import PROTOCOL
from gateway.subscriptions.runtime import SubscriptionRuntime
from gateway.web.asgi import Receive, Scope, Send

log = logging.getLogger("gateway.subscriptions")


class SubscriptionEndpoint:
    def __init__(self, runtime: SubscriptionRuntime) -> None:
        self.runtime = runtime
        self.active = 0  # open connections (one event loop: a plain counter suffices)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        message = await receive()
        if message["type"] != "websocket.connect":
            return
        offered = scope.get("subprotocols") or ()
        if PROTOCOL not in offered:
            await send({"type": "websocket.accept"})
            await _close(send, cc.SUBPROTOCOL_NOT_ACCEPTABLE, "Subprotocol not acceptable")
            return
        await send({"type": "websocket.accept", "subprotocol": PROTOCOL})
        limit = self.runtime.options.max_connections
        if limit and self.active >= limit:
            log.warning("subscriptions.connection_limit", extra={"limit": limit})
            await _close(send, cc.TRY_AGAIN_LATER, "Too many connections")
            return
        self.active += 1
        try:
            await Connection(self.runtime, scope, receive, send).serve()
        finally:
            self.active -= 1


async def _close(send: Send, code: int, reason: str) -> None:
    await send({"type": "websocket.close", "code": code, "reason": reason})
