"""One graphql-transport-ws connection, from accept to close.

Three tasks: the reader (frames in → protocol state → operations), the send-buffer writer (frames
out), and a keep-alive pinger; plus one task per running operation. Whatever ends the
connection — the client leaving, a protocol violation, a slow client, the init timeout —
goes through ``close`` (or ``_gone``); ``serve`` then stops the operations (closing their
upstream sockets) and sends the close frame. Nothing a client sends can raise out of here.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

from gateway.auth import PRINCIPAL_HEADERS, Principal, token_from_init_payload
from gateway.auth.credentials import bearer_token
from gateway.auth.jwt import InvalidToken
from gateway.subscriptions import closecodes as cc
from gateway.subscriptions import messages as m
from gateway.subscriptions.operation import Caller, run_operation
from gateway.subscriptions.runtime import SubscriptionRuntime
from gateway.subscriptions.send_buffer import SendBuffer
from gateway.web.asgi import Receive, Scope, Send

log = logging.getLogger("gateway.subscriptions")


class Connection:
    def __init__(
        self, runtime: SubscriptionRuntime, scope: Scope, receive: Receive, send: Send
    ) -> None:
        self.runtime = runtime
        self.options = runtime.options
        self.receive = receive
        self.send = send
        self.headers: dict[str, str] = {}
        for name, value in scope.get("headers") or ():
            self.headers.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        self.raw_headers: list[tuple[bytes, bytes]] = list(scope.get("headers") or ())
        client = scope.get("client")
        self.address: str | None = client[0] if client else None  # the TCP peer
        self.send_buffer = SendBuffer(
            send,
            max_messages=self.options.send_buffer_messages,
            max_bytes=self.options.send_buffer_bytes,
            on_overflow=self._slow_consumer,
            on_broken=self._broken,
        )
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.init_received = False
        self.caller: Caller | None = None  # set once acknowledged
        self.closing: tuple[int, str] | None = None
        self.disconnected = False
        self._done = asyncio.Event()
        self._expiry: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ lifecycle
    async def serve(self) -> None:
        """Run the (accepted) connection until it ends."""
        loop = asyncio.get_running_loop()
        init_timer = loop.call_later(self.options.init_timeout, self._init_timeout)
        tasks = [
            asyncio.create_task(self._read(), name="ws-reader"),
            asyncio.create_task(self.send_buffer.run(), name="ws-writer"),
        ]
        if self.options.keepalive_interval > 0:
            tasks.append(asyncio.create_task(self._keepalive(), name="ws-keepalive"))
        try:
            await self._done.wait()
        finally:
            init_timer.cancel()
            if self._expiry is not None:
                self._expiry.cancel()
            reader, writer, *rest = tasks
            for task in (reader, *rest):
                task.cancel()
            await self._stop_operations()
            await self._finish(writer)
            await asyncio.gather(*tasks, return_exceptions=True)

    def close(self, code: int, reason: str) -> None:
        """End the connection with a close frame ``code``/``reason`` (first call wins)."""
        if self.closing is None and not self.disconnected:
            self.closing = (code, cc.close_reason(reason))
            self._done.set()

    def _gone(self) -> None:
        self.disconnected = True
        self._done.set()

    async def _stop_operations(self) -> None:
        tasks = list(self.operations.values())
        self.operations.clear()
        for task in tasks:
            task.cancel()
        # each operation closes its upstream socket on the way out
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _finish(self, writer: asyncio.Task[None]) -> None:
        send_buffer = self.send_buffer
        closing = self.closing
        if closing is None or self.disconnected:
            send_buffer.accepting = False
            writer.cancel()
            return
        code, reason = closing
        timeout = self.options.close_timeout
        if send_buffer.accepting:  # not after an overflow: that client is not reading
            send_buffer.accepting = False
            # frames queued before the violation (a pong, a result) still reach the client
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(send_buffer.idle.wait(), timeout)
        send_buffer.accepting = False
        writer.cancel()
        await asyncio.wait({writer})
        try:
            # a client that does not read may never let this through: bounded wait
            await asyncio.wait_for(
                self.send({"type": "websocket.close", "code": code, "reason": reason}), timeout
            )
        except Exception:  # noqa: BLE001 - the client may be gone already
            log.debug("subscriptions.close_not_sent", extra={"code": code})
        log.info("subscriptions.closed", extra={"code": code, "reason": reason})

    # ------------------------------------------------------------------ incoming frames
    async def _read(self) -> None:
        try:
            while True:
                message = await self.receive()
                kind = message["type"]
                if kind == "websocket.disconnect":
                    self._gone()
                    return
                if kind != "websocket.receive":
                    continue
                data = message.get("text")
                if data is None:
                    data = message.get("bytes") or b""
                await self._handle(m.parse_client_message(data))
                if self.closing is not None:
                    return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscriptions.reader_crashed")
            self.close(cc.INTERNAL_ERROR, "Internal server error")

    async def _handle(self, message: m.ClientMessage | m.Invalid) -> None:
        if isinstance(message, m.Invalid):
            self.close(cc.BAD_REQUEST, message.reason)
        elif isinstance(message, m.Ping):
            self.send_buffer.put(m.pong(message.payload))
        elif isinstance(message, m.Pong):
            pass  # the answer to our keep-alive; the server's own ping timeout covers dead peers
        elif isinstance(message, m.ConnectionInit):
            await self._init(message)
        elif isinstance(message, m.Subscribe):
            self._subscribe(message)
        else:
            self._complete(message)

    async def _init(self, message: m.ConnectionInit) -> None:
        if self.init_received:
            self.close(cc.TOO_MANY_INIT, "Too many initialisation requests")
            return
        self.init_received = True
        authenticator = self.runtime.authenticator
        principal: Principal | None = None
        failures, address = self.runtime.failures, self.address
        if authenticator is not None and failures is not None and address is not None:
            if failures.wait(address):
                log.info("subscriptions.init_rate_limited")
                self.close(cc.TRY_AGAIN_LATER, "Too many failed sign-ins: try again later")
                return
        if authenticator is not None:
            token = token_from_init_payload(message.payload)
            if token is None:
                # non-browser clients may authenticate the upgrade request instead
                token = bearer_token(self.headers.get("authorization"))
            try:
                principal = await authenticator.authenticate(token)
            except InvalidToken as exc:
                log.info("subscriptions.init_rejected", extra={"reason": exc.description})
                principal = None
            if principal is None:
                log.info("subscriptions.init_rejected", extra={"token_sent": token is not None})
                if failures is not None and address is not None:
                    failures.take(address)
                self.close(cc.FORBIDDEN, "Forbidden")
                return
        self.caller = self._caller(principal)
        if principal is not None and principal.expires_at is not None:
            # a connection lives no longer than the credential that opened it
            delay = max(0.0, principal.expires_at - time.time())
            self._expiry = asyncio.get_running_loop().call_later(
                delay, self.close, cc.FORBIDDEN, "Token expired"
            )
        self.send_buffer.put(m.ACK)

    def _caller(self, principal: Principal | None) -> Caller:
        names = self.options.forward_headers
        forward: dict[str, str] = {}
        for name, value in self.raw_headers:
            if name in names and name not in PRINCIPAL_HEADERS:
                forward.setdefault(name.decode("latin-1"), value.decode("latin-1"))
        return Caller(headers=self.headers, forward=forward or None, principal=principal)

    def _subscribe(self, message: m.Subscribe) -> None:
        caller = self.caller
        if caller is None:
            self.close(cc.UNAUTHORIZED, "Unauthorized")
            return
        op_id = message.id
        if op_id in self.operations:
            self.close(cc.SUBSCRIBER_EXISTS, f"Subscriber for {op_id} already exists")
            return
        limit = self.options.max_subscriptions
        if limit and len(self.operations) >= limit:
            self.send_buffer.put(m.error_frame(op_id, [_too_many(limit)]))
            return
        limiter, principal = self.runtime.limiter, caller.principal
        if limiter is not None and isinstance(principal, Principal):
            if limiter.take(principal.key):
                self.send_buffer.put(m.error_frame(op_id, [_RATE_LIMITED]))
                return
        task = asyncio.create_task(self._operation(caller, message), name=f"ws-op-{op_id}")
        self.operations[op_id] = task

    def _complete(self, message: m.Complete) -> None:
        task = self.operations.pop(message.id, None)
        if task is not None:
            task.cancel()  # no frame for it may follow the client's complete

    async def _operation(self, caller: Caller, message: m.Subscribe) -> None:
        try:
            await run_operation(self.runtime, caller, message, self.send_buffer.put)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("subscriptions.operation_crashed", extra={"id": message.id})
            self.send_buffer.put(m.error_frame(message.id, [_INTERNAL]))
        finally:
            if self.operations.get(message.id) is asyncio.current_task():
                del self.operations[message.id]

    # ------------------------------------------------------------------ timers and send buffer
    def _init_timeout(self) -> None:
        if not self.init_received:
            self.close(cc.INIT_TIMEOUT, "Connection initialisation timeout")

    async def _keepalive(self) -> None:
        interval = self.options.keepalive_interval
        while True:
            await asyncio.sleep(interval)
            self.send_buffer.put(m.PING)

    def _slow_consumer(self) -> None:
        log.warning(
            "subscriptions.slow_consumer",
            extra={
                "waiting_frames": len(self.send_buffer),
                "waiting_bytes": self.send_buffer.waiting_bytes,
                "operations": len(self.operations),
            },
        )
        self.close(cc.SLOW_CONSUMER, "Slow consumer: outgoing buffer exceeded")

    def _broken(self, exc: BaseException) -> None:
        log.debug("subscriptions.send_failed", extra={"error": repr(exc)})
        self._gone()


_RATE_LIMITED: dict[str, Any] = {
    "message": "Too many requests: slow down.",
    "extensions": {"code": "RATE_LIMITED"},
}
_INTERNAL: dict[str, Any] = {
    "message": "Internal server error",
    "extensions": {"code": "INTERNAL_SERVER_ERROR"},
}


def _too_many(limit: int) -> dict[str, Any]:
    return {
        "message": f"Too many operations on this connection (the limit is {limit}).",
        "extensions": {"code": "SUBSCRIPTION_LIMIT_EXCEEDED"},
    }
