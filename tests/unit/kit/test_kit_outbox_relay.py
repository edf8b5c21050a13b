"""The relay while the log is down: entries wait, one log line per state change, no loss."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from pathlib import Path

import pytest

from services.kit.backoff import Backoff
from services.kit.eventlog.local import LocalEventLog
from services.kit.outbox import OutboxRelay
from services.kit.ports import LogPosition, LogUnavailable, OutboxEntry
from services.kit.store.sqlite import SqliteDocumentStore


class SwitchableLog(LocalEventLog):
    """The real local log with an off switch standing in for a broker outage."""

    down = False
    attempts = 0

    async def publish_many(
        self, topic: str, items: Sequence[tuple[str, bytes]]
    ) -> list[LogPosition]:
        self.attempts += 1
        if self.down:
            raise LogUnavailable("switched off")
        return await super().publish_many(topic, items)


async def test_relay_waits_out_an_outage_and_logs_each_change_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "rumah.outbox")
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    log = SwitchableLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    permits = store.collection("permits")
    relay = OutboxRelay(store, log, poll_interval_s=5, backoff=Backoff(initial=0.02, maximum=0.1))
    async with relay:
        log.down = True
        for v in range(1, 6):
            entry = OutboxEntry(f"e{v}", "permits", "p-1", str(v).encode())
            await permits.put({"_id": "p-1", "v": v}, expected_version=v - 1, outbox=[entry])
        await asyncio.sleep(0.6)
        assert log.attempts >= 4  # retried with backoff ...
        assert log.attempts < 40  # ... not in a busy loop
        assert len((await store.outbox_pending())[0].entries) == 5
        log.down = False
        async with asyncio.timeout(5):
            while await store.outbox_pending():  # noqa: ASYNC110 - waits for the relay
                await asyncio.sleep(0.05)
    assert [r.msg for r in caplog.records] == ["outbox_relay.paused", "outbox_relay.resumed"]
    async with log.subscribe(["permits"]) as sub:
        values = [r.value for r in await sub.poll(timeout_s=0.5)]
    assert values == [b"1", b"2", b"3", b"4", b"5"]
    await store.stop()
    await log.stop()


async def test_a_write_wakes_the_relay_at_once(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    log = LocalEventLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    async with OutboxRelay(store, log, poll_interval_s=30) as relay:
        await asyncio.sleep(0.1)  # the relay is idle, its next poll is 30 s away
        entry = OutboxEntry("e1", "permits", "p-1", b"1")
        await store.collection("permits").put({"_id": "p-1"}, expected_version=0, outbox=[entry])
        async with asyncio.timeout(1):
            while relay.relayed == 0:  # noqa: ASYNC110 - waits for the relay
                await asyncio.sleep(0.01)
    await store.stop()
    await log.stop()
