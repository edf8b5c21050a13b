"""A client start that outlives its deadline is never cancelled (aiokafka would leak its
bootstrap connection) and the client is closed once that start has ended."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import LogUnavailable


class SlowClient:
    def __init__(self, delay: float, fail: BaseException | None = None) -> None:
        self.delay, self.fail = delay, fail
        self.events: list[str] = []

    async def start(self) -> None:
        try:
            await asyncio.sleep(self.delay)
        except asyncio.CancelledError:
            self.events.append("start cancelled")
            raise
        self.events.append("started")
        if self.fail is not None:
            raise self.fail

    async def close(self) -> None:
        self.events.append("closed")


async def test_a_slow_start_is_reported_then_closed_after_it_ends() -> None:
    log = KafkaEventLog("127.0.0.1:1", connect_timeout_s=0.05, op_timeout_s=2.0)
    client = SlowClient(0.3)
    with pytest.raises(LogUnavailable, match="no answer in 0.05s"):
        await log.start_client(client.start, client.close, "connect")
    assert client.events == []
    await log.stop()  # waits for the background close
    assert client.events == ["started", "closed"]


async def test_a_failed_start_closes_the_client_and_maps_the_error() -> None:
    log = KafkaEventLog("127.0.0.1:1", connect_timeout_s=1.0)
    client = SlowClient(0.0, fail=OSError("connection refused"))
    with pytest.raises(LogUnavailable, match="connection refused"):
        await log.start_client(client.start, client.close, "connect")
    assert client.events == ["started", "closed"]


async def test_a_quick_start_keeps_the_client_open() -> None:
    log = KafkaEventLog("127.0.0.1:1", connect_timeout_s=1.0)
    client = SlowClient(0.0)
    await log.start_client(client.start, client.close, "connect")
    assert client.events == ["started"]


async def test_cancelling_the_caller_does_not_cancel_the_start() -> None:
    log = KafkaEventLog("127.0.0.1:1", connect_timeout_s=5.0, op_timeout_s=2.0)
    client = SlowClient(0.2)
    caller = asyncio.ensure_future(log.start_client(client.start, client.close, "connect"))
    await asyncio.sleep(0.05)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await log.stop()
    assert client.events == ["started", "closed"]


@pytest.mark.parametrize("leave", ["deadline", "caller cancelled"])
async def test_a_ping_is_never_cancelled_half_way_and_stop_waits_for_it(leave: str) -> None:
    log = KafkaEventLog("127.0.0.1:1", connect_timeout_s=0.05, op_timeout_s=2.0)
    admin = SlowClient(0.3)  # a broker that answers the ping's request late
    started_admin = SimpleNamespace(describe_cluster=admin.start, close=admin.close)
    log._admin = started_admin  # type: ignore[assignment]
    if leave == "deadline":
        with pytest.raises(LogUnavailable):
            await log.ping()
    else:
        caller = asyncio.ensure_future(log.ping())
        await asyncio.sleep(0.01)
        caller.cancel()
        with pytest.raises(asyncio.CancelledError):
            await caller
    assert admin.events == []  # not "start cancelled": the request goes on
    await log.stop()
    assert admin.events == ["started", "closed"]  # the request ended, then the client closed
