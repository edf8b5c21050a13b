"""A connection's outgoing frames: one writer task, a bounded buffer, slow-consumer detection.

Frames are queued without waiting, so neither an upstream subscription nor a keep-alive ever
blocks on a client. The writer hands them to the server one at a time; when the client stops
reading, the server's ``send`` waits (transport backpressure) and frames pile up here. Past
``max_messages`` waiting frames or ``max_bytes`` waiting bytes the buffer stops accepting
frames and calls ``on_overflow`` once — the connection then closes with 4413 rather than let
memory grow. The frame being written is not counted: a single frame larger than
``max_bytes`` still goes out to a client that keeps up.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable

from gateway.web.asgi import Send


class SendBuffer:
    def __init__(
        self,
        send: Send,
        *,
        max_messages: int,
        max_bytes: int,
        on_overflow: Callable[[], None],
        on_broken: Callable[[BaseException], None],
    ) -> None:
        self._send = send
        self.max_messages = max_messages
        self.max_bytes = max_bytes
        self._on_overflow = on_overflow
        self._on_broken = on_broken
        self._frames: deque[bytes] = deque()
        self.waiting_bytes = 0
        self.accepting = True
        self._wake = asyncio.Event()
        self.idle = asyncio.Event()  # nothing queued and nothing being written
        self.idle.set()

    def __len__(self) -> int:
        return len(self._frames)

    def put(self, frame: bytes) -> None:
        """Queue ``frame``; ignored once the buffer stopped accepting (overflow or closing)."""
        if not self.accepting:
            return
        if self._frames and (
            len(self._frames) >= self.max_messages
            or self.waiting_bytes + len(frame) > self.max_bytes
        ):
            self.accepting = False
            self._on_overflow()
            return
        self._frames.append(frame)
        self.waiting_bytes += len(frame)
        self.idle.clear()
        self._wake.set()

    async def run(self) -> None:
        """Write frames until cancelled; a failing ``send`` (client gone) ends it."""
        frames = self._frames
        while True:
            if not frames:
                self.idle.set()
                self._wake.clear()
                await self._wake.wait()
                continue
            frame = frames.popleft()
            self.waiting_bytes -= len(frame)
            try:
                await self._send({"type": "websocket.send", "text": frame.decode()})
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the server reports a gone client this way
                self.accepting = False
                self._on_broken(exc)
                return
