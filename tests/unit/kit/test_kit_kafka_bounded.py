"""``KafkaEventLog.bounded``: a cancellation raised inside the client (aiokafka cancels its own
fetch tasks when its broker dies) is the log being unavailable, not the caller being
cancelled — it must not end the caller's loop silently. A real cancellation still cancels."""

import asyncio

import pytest

from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import LogUnavailable


async def _cancelled_inside() -> None:
    inner = asyncio.ensure_future(asyncio.sleep(10))
    inner.cancel()
    await inner  # raises CancelledError into us, though nobody cancelled us


async def test_a_cancellation_from_inside_the_client_means_unavailable() -> None:
    log = KafkaEventLog("127.0.0.1:1")
    with pytest.raises(LogUnavailable, match="cancelled inside"):
        await log.bounded(_cancelled_inside(), "poll")


async def test_cancelling_the_caller_still_cancels() -> None:
    log = KafkaEventLog("127.0.0.1:1")
    task = asyncio.ensure_future(log.bounded(asyncio.sleep(10), "poll"))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
