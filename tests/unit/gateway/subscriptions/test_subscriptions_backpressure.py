"""A client that stops reading is closed with 4413 once its outgoing buffer is full; other
connections keep receiving every event."""

from __future__ import annotations

import asyncio

from subs_support import FakeSocket, connected, finished, gateway, review, subscribe

from gateway.subscriptions import SubscriptionOptions
from gateway.subscriptions.send_buffer import SendBuffer


async def test_a_slow_client_is_closed_4413_and_a_fast_one_gets_everything() -> None:
    options = SubscriptionOptions(
        keepalive_interval=0, send_buffer_messages=8, send_buffer_bytes=1_000_000
    )
    gw = gateway(options=options)
    fast, fast_task = await connected(gw)
    slow_socket = FakeSocket()
    slow, slow_task = await connected(gw, socket=slow_socket)
    subscribe(fast, "f")
    subscribe(slow, "s")
    await gw.upstream.wait_open(2)
    slow_socket.gate = asyncio.Event()  # the slow client stops reading now
    delivered = slow_socket.sent_frames
    events = 40
    for n in range(events):
        for index in range(2):
            gw.upstream.push(review(f"r{n}"), index)
    for _ in range(events):
        frame = await fast.frame()
        assert frame["payload"]["data"]["reviewAdded"]["body"] == "good"
    # the slow connection closed itself: buffer bound, not memory growth
    closed = await slow.closed()
    assert (closed.code, closed.reason) == (4413, "Slow consumer: outgoing buffer exceeded")
    await finished(slow_task)
    assert slow_socket.sent_frames == delivered  # nothing got through the blocked send
    assert gw.upstream.closed == 1  # the slow client's upstream is stopped
    for index in range(2):
        gw.upstream.push(review("after"), index)
    assert (await fast.frame())["type"] == "next"
    fast.disconnect()
    await finished(fast_task)


async def test_a_burst_larger_than_the_buffer_reaches_a_client_that_reads() -> None:
    gw = gateway(options=SubscriptionOptions(keepalive_interval=0, send_buffer_messages=4))
    socket, task = await connected(gw)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    for n in range(50):  # all buffered upstream before the gateway reads the first
        gw.upstream.push(review(f"r{n}"))
    for _ in range(50):
        assert (await socket.frame())["type"] == "next"
    socket.disconnect()
    await finished(task)


async def test_a_client_reading_slowly_but_within_the_buffer_keeps_its_connection() -> None:
    options = SubscriptionOptions(keepalive_interval=0, send_buffer_messages=50)
    gw = gateway(options=options)
    socket = FakeSocket()
    socket, task = await connected(gw, socket=socket)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    socket.gate = asyncio.Event()
    for n in range(20):
        gw.upstream.push(review(f"r{n}"))
    await asyncio.sleep(0.05)
    socket.gate.set()
    for _ in range(20):
        assert (await socket.frame())["type"] == "next"
    socket.disconnect()
    await finished(task)


class _Recorder:
    def __init__(self) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        self.overflows = 0
        self.broken: list[BaseException] = []

    async def send(self, message: dict[str, str]) -> None:
        await self.gate.wait()
        self.sent.append(message["text"])

    def overflow(self) -> None:
        self.overflows += 1

    def send_buffer(self, messages: int, size: int) -> SendBuffer:
        return SendBuffer(
            self.send,  # type: ignore[arg-type]
            max_messages=messages,
            max_bytes=size,
            on_overflow=self.overflow,
            on_broken=self.broken.append,
        )


async def test_send_buffer_bounds_waiting_frames_by_count() -> None:
    rec = _Recorder()
    box = rec.send_buffer(messages=3, size=10_000)
    writer = asyncio.create_task(box.run())
    await asyncio.sleep(0)
    for n in range(3):
        box.put(b"frame-%d" % n)
    await asyncio.sleep(0)  # the writer took frame-0 and waits in send
    box.put(b"frame-3")
    assert rec.overflows == 0
    box.put(b"frame-4")
    assert (rec.overflows, len(box)) == (1, 3)
    box.put(b"frame-5")  # ignored: no longer accepting, overflow reported once
    assert rec.overflows == 1
    rec.gate.set()
    await asyncio.wait_for(box.idle.wait(), 5)
    assert rec.sent == ["frame-0", "frame-1", "frame-2", "frame-3"]
    writer.cancel()
    await asyncio.wait({writer})


async def test_send_buffer_bounds_waiting_bytes_but_lets_one_large_frame_through() -> None:
    rec = _Recorder()
    box = rec.send_buffer(messages=100, size=10)
    writer = asyncio.create_task(box.run())
    box.put(b"x" * 50)  # larger than the bound, but nothing waits: accepted
    await asyncio.sleep(0)
    box.put(b"y" * 6)
    assert box.waiting_bytes == 6
    box.put(b"z" * 5)
    assert rec.overflows == 1
    rec.gate.set()
    await asyncio.wait_for(box.idle.wait(), 5)
    assert rec.sent == ["x" * 50, "y" * 6]
    writer.cancel()
    await asyncio.wait({writer})


async def test_send_buffer_reports_a_failing_send_and_stops() -> None:
    rec = _Recorder()

    async def gone(message: object) -> None:
        raise OSError("client gone")

    box = SendBuffer(
        gone, max_messages=5, max_bytes=100, on_overflow=rec.overflow, on_broken=rec.broken.append
    )
    writer = asyncio.create_task(box.run())
    box.put(b"a")
    await asyncio.wait_for(writer, 5)
    assert [str(e) for e in rec.broken] == ["client gone"]
    box.put(b"b")
    assert len(box) == 0
