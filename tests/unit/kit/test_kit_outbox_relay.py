"""The relay while the log is down: entries wait, one log line per state change, no loss."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import threading
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from services.kit.backoff import Backoff
from services.kit.eventlog.local import LocalEventLog
from services.kit.outbox import OutboxRelay
from services.kit.ports import (
    LogPosition,
    LogUnavailable,
    OutboxAck,
    OutboxEntry,
    StoreUnavailable,
)
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


class AckFailingStore(SqliteDocumentStore):
    """The real embedded store whose acknowledgements can be made to fail (a store timing
    out while the log is fine)."""

    acks_fail = False

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        if self.acks_fail:
            raise StoreUnavailable("acks switched off")
        await super().outbox_ack_many(acks)


async def _wait(condition: Callable[[], Awaitable[bool]], timeout_s: float = 5.0) -> None:
    async with asyncio.timeout(timeout_s):
        while not await condition():  # noqa: ASYNC110 - waits for the relay
            await asyncio.sleep(0.02)


async def _log_values(log: LocalEventLog) -> list[bytes]:
    async with log.subscribe(["permits"]) as sub:
        return [r.value for r in await sub.poll(timeout_s=0.5)]


async def test_events_keep_flowing_while_the_store_fails_to_acknowledge(tmp_path: Path) -> None:
    store = AckFailingStore(tmp_path / "s.sqlite3")
    log = LocalEventLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    permits = store.collection("permits")
    relay = OutboxRelay(store, log, poll_interval_s=5, backoff=Backoff(initial=0.02, maximum=0.1))
    async with relay:
        store.acks_fail = True
        for v in range(1, 4):
            entry = OutboxEntry(f"e{v}", "permits", "p-1", str(v).encode())
            await permits.put({"_id": "p-1", "v": v}, expected_version=v - 1, outbox=[entry])

        async def published() -> bool:
            return len(await _log_values(log)) == 3

        await _wait(published)  # on the log although not one acknowledgement went through
        assert relay.stalled is None  # events flow: readiness has nothing to say
        assert len((await store.outbox_pending())[0].entries) == 3
        store.acks_fail = False

        async def acknowledged() -> bool:
            return not await store.outbox_pending()

        await _wait(acknowledged)
    assert await _log_values(log) == [b"1", b"2", b"3"]  # once each, in order
    await store.stop()
    await log.stop()


async def test_a_relay_that_cannot_publish_says_so_while_entries_wait(tmp_path: Path) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    log = SwitchableLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    relay = OutboxRelay(store, log, poll_interval_s=5, backoff=Backoff(initial=0.02, maximum=0.1))
    async with relay:
        await _wait(lambda: _true(relay.stalled is None and relay.queued == 0))
        log.down = True
        entry = OutboxEntry("e1", "permits", "p-1", b"1")
        await store.collection("permits").put({"_id": "p-1"}, expected_version=0, outbox=[entry])
        await _wait(lambda: _true(relay.stalled is not None))
        assert "switched off" in (relay.stalled or "")
        log.down = False
        await _wait(lambda: _true(relay.stalled is None and relay.relayed == 1))
    await store.stop()
    await log.stop()


class FlakyLog(LocalEventLog):
    """Fails once with a bug (not a port error), then works."""

    failed = False

    async def publish_many(
        self, topic: str, items: Sequence[tuple[str, bytes]]
    ) -> list[LogPosition]:
        if not self.failed:
            self.failed = True
            raise RuntimeError("a bug in the log client")
        return await super().publish_many(topic, items)


async def test_an_unexpected_error_does_not_end_the_relay(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    log = FlakyLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    relay = OutboxRelay(store, log, poll_interval_s=5, backoff=Backoff(initial=0.02, maximum=0.1))
    async with relay:
        entry = OutboxEntry("e1", "permits", "p-1", b"1")
        await store.collection("permits").put({"_id": "p-1"}, expected_version=0, outbox=[entry])
        await _wait(lambda: _true(relay.relayed == 1))
    assert log.failed and "outbox_relay.failed" in [r.msg for r in caplog.records]
    await store.stop()
    await log.stop()


async def _true(value: bool) -> bool:
    return value


# --------------------------------------------------------------------------- order under overflow
class HeldLog(LocalEventLog):
    """The real local log; while ``hold`` is set, the next publish waits for ``release`` and
    then fails (a broker timing out with the batch in flight)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.hold = False
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    async def publish_many(
        self, topic: str, items: Sequence[tuple[str, bytes]]
    ) -> list[LogPosition]:
        if self.hold:
            self.entered.set()
            await self.release.wait()
            self.hold = False
            raise LogUnavailable("timed out")
        return await super().publish_many(topic, items)


def _entry(doc: str, v: int) -> OutboxEntry:
    return OutboxEntry(f"{doc}-{v}", "permits", doc, f"{doc}:{v}".encode())


def _per_document(values: Sequence[bytes]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = {}
    for value in values:
        doc, v = value.decode().split(":")
        seen.setdefault(doc, []).append(int(v))
    return seen


def _scans_only_when_told(store: SqliteDocumentStore, log: LocalEventLog, **kw: Any) -> OutboxRelay:
    """A relay whose safety-net scan never runs in a test's time: only the start-up scan and
    the full scans something asks for read the store."""
    return OutboxRelay(
        store,
        log,
        poll_interval_s=60,
        scan_grace_s=60,
        backoff=Backoff(initial=0.01, maximum=0.02),
        **kw,
    )


async def test_a_batch_failing_after_the_queue_overflowed_keeps_each_document_in_order(
    tmp_path: Path,
) -> None:
    """``d``'s first entry is in flight when its next writes overflow the queue (dropped for
    the store: a full scan is due), and then the batch fails. Put back in front of the emptied
    queue, it made the full scan stop at it, and ``d``'s queued seventh entry went out ahead
    of the dropped ones."""
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    log = HeldLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    permits = store.collection("permits")
    relay = _scans_only_when_told(store, log, max_queued=4)
    async with relay:
        await asyncio.sleep(0.1)  # the start-up scan is done
        log.hold = True
        await permits.put({"_id": "d", "v": 1}, expected_version=0, outbox=[_entry("d", 1)])
        await asyncio.wait_for(log.entered.wait(), 2)
        for v in range(2, 8):  # the sixth overflows the queue; the seventh is queued again
            await permits.put({"_id": "d", "v": v}, expected_version=v - 1, outbox=[_entry("d", v)])
        log.release.set()
        with contextlib.suppress(TimeoutError):  # the order tells what went wrong
            await _wait(lambda: _true(relay.relayed == 7), timeout_s=3)
        assert _per_document(await _log_values(log)) == {"d": [1, 2, 3, 4, 5, 6, 7]}
    await store.stop()
    await log.stop()


async def test_a_full_scan_looks_past_a_page_of_documents_it_cannot_relay_yet(
    tmp_path: Path,
) -> None:
    """A full page of documents whose next entry is queued does not end a full scan: the
    documents behind it may hold entries the queue does not know, older than its own."""
    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    other = SqliteDocumentStore(tmp_path / "s.sqlite3")  # a write this relay is not told of
    log = SwitchableLog(tmp_path / "log.sqlite3")
    for started in (store, other, log):
        await started.start()
    permits = store.collection("permits")
    relay = _scans_only_when_told(store, log, batch_docs=1)
    async with relay:
        await asyncio.sleep(0.1)  # the start-up scan is done
        log.down = True
        await permits.put({"_id": "x"}, expected_version=0, outbox=[_entry("x", 1)])  # queued
        await other.collection("permits").put(
            {"_id": "y"}, expected_version=0, outbox=[_entry("y", 1)]
        )
        relay.feed(None)  # a write of unknown outcome: the store must be read
        await permits.put({"_id": "y"}, expected_version=1, outbox=[_entry("y", 2)])  # queued
        log.down = False
        with contextlib.suppress(TimeoutError):  # the order tells what went wrong
            await _wait(lambda: _true(relay.relayed == 3), timeout_s=3)
        assert _per_document(await _log_values(log)) == {"x": [1], "y": [1, 2]}
    for stopped in (store, other, log):
        await stopped.stop()


class SlowCommitStore(SqliteDocumentStore):
    """The real embedded store; while ``slow``, a write's transaction commits and then its
    worker thread waits for ``resume`` (the caller can be cancelled in between)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.slow = False
        self.committed = threading.Event()
        self.resume = threading.Event()

    async def run(self, coll: str | None, fn: Callable[[sqlite3.Connection], Any]) -> Any:
        if not self.slow or coll is None:
            return await super().run(coll, fn)

        def then_wait(c: sqlite3.Connection) -> Any:
            out = fn(c)
            self.committed.set()
            self.resume.wait(5)
            return out

        return await super().run(coll, then_wait)


async def test_a_cancelled_write_that_committed_is_still_relayed_in_order(
    tmp_path: Path,
) -> None:
    """A caller cancelled while the worker thread commits its write (a lease lost, a request
    abandoned) never hands the entries to the relay: the relay reads the store before the
    next write's entries go out."""
    store = SlowCommitStore(tmp_path / "s.sqlite3")
    log = LocalEventLog(tmp_path / "log.sqlite3")
    await store.start()
    await log.start()
    permits = store.collection("permits")
    async with _scans_only_when_told(store, log) as relay:
        await permits.put({"_id": "d"}, expected_version=0, outbox=[_entry("d", 1)])
        await _wait(lambda: _true(relay.relayed == 1))
        store.slow = True
        write = asyncio.create_task(
            permits.put({"_id": "d"}, expected_version=1, outbox=[_entry("d", 2)])
        )
        await asyncio.to_thread(store.committed.wait, 5)
        write.cancel()
        await asyncio.gather(write, return_exceptions=True)
        store.slow = False
        store.resume.set()
        await permits.put({"_id": "d"}, expected_version=2, outbox=[_entry("d", 3)])
        with contextlib.suppress(TimeoutError):  # the order tells what went wrong
            await _wait(lambda: _true(relay.relayed == 3), timeout_s=3)
        assert _per_document(await _log_values(log)) == {"d": [1, 2, 3]}
    await store.stop()
    await log.stop()


async def test_a_scan_with_a_minimum_age_stops_at_a_document_s_first_young_entry(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stamps are not an order: an entry written before the wall clock stepped back carries a
    later stamp than the one after it. The safety-net scan (a minimum age) must not publish
    the later entry ahead of it; a full scan takes both, in write order."""
    import services.kit.store.sqlite.collection as sqlite_collection

    store = SqliteDocumentStore(tmp_path / "s.sqlite3")
    await store.start()
    permits = store.collection("permits")
    real = time.time
    monkeypatch.setattr(sqlite_collection.time, "time", lambda: real() + 600)  # ten minutes ahead
    await permits.put({"_id": "d"}, expected_version=0, outbox=[_entry("d", 1)])
    monkeypatch.undo()  # the clock stepped back
    await permits.put({"_id": "d"}, expected_version=1, outbox=[_entry("d", 2)])
    await permits.put({"_id": "e"}, expected_version=0, outbox=[_entry("e", 1)])
    await asyncio.sleep(0.3)
    aged = await store.outbox_pending(min_age_s=0.1)
    assert [(p.doc_id, [e.id for e in p.entries]) for p in aged] == [("e", ["e-1"])]
    full = await store.outbox_pending()
    assert [(p.doc_id, [e.id for e in p.entries]) for p in full] == [
        ("d", ["d-1", "d-2"]),
        ("e", ["e-1"]),
    ]
    await store.stop()
