"""The consumer loop: subscribe → poll → decode → validate → handle → commit, with a DLQ.

A record that is not a valid event goes to the dead-letter topic (``<topic>.dlq`` unless
set) with the reason and the raw bytes, and the partition moves on. A handler that raises a
``PortError`` (store/log down) is retried with backoff and nothing is committed past it; a
handler that keeps failing otherwise is dead-lettered after ``handler_attempts``.
Offsets are committed after handling, so delivery is at-least-once: handlers must be
idempotent by event id (see ``services.kit.store.processed.ProcessedIds``).

Batch mode (``batch_handler=``, e.g. the ledger's one insert per poll): the valid events of a
poll are handled in one call; while it keeps failing otherwise than with a ``PortError`` the
events are retried one by one, so only the events that fail alone are dead-lettered.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import time
from collections.abc import Awaitable, Callable, Sequence

import orjson

from services.kit.backoff import Backoff
from services.kit.envelope import Event, EventSchemas, InvalidEvent
from services.kit.ports import EARLIEST, EventLog, LogRecord, PortError, StartAt, Subscription

log = logging.getLogger("rumah.consumer")

Handler = Callable[[Event, LogRecord], Awaitable[None]]
BatchHandler = Callable[[Sequence[tuple[Event, LogRecord]]], Awaitable[None]]


class _Stopped(Exception):
    """Stop was requested while a record was being retried."""


def dead_letter_value(record: LogRecord, reason: str, group: str | None) -> bytes:
    """The dead-letter record: where it came from, why, and its raw bytes (base64)."""
    return orjson.dumps(
        {
            "reason": reason,
            "group": group,
            "topic": record.topic,
            "partition": record.partition,
            "offset": record.offset,
            "key": record.key,
            "timestamp_ms": record.timestamp_ms,
            "failed_at_ms": int(time.time() * 1000),
            "raw": base64.b64encode(record.value).decode(),
        }
    )


class EventConsumer:
    """Consume ``topics`` as consumer group ``group`` until ``stop`` is set."""

    def __init__(
        self,
        event_log: EventLog,
        topics: Sequence[str],
        *,
        group: str,
        handler: Handler | None = None,
        schemas: EventSchemas,
        dead_letter_topic: str | None = None,
        start: StartAt = EARLIEST,
        max_records: int = 500,
        poll_timeout_s: float = 1.0,
        handler_attempts: int = 5,
        backoff: Backoff | None = None,
        batch_handler: BatchHandler | None = None,
    ) -> None:
        if (handler is None) == (batch_handler is None):
            raise ValueError("give exactly one of handler= and batch_handler=")
        self._log, self._topics, self._group = event_log, list(topics), group
        self._handler, self._schemas = handler, schemas
        self._batch_handler = batch_handler
        self._dlq = dead_letter_topic
        self._start = start
        self._max_records, self._poll_timeout_s = max_records, poll_timeout_s
        self._handler_attempts = handler_attempts
        self._backoff = backoff or Backoff(initial=0.1, maximum=5.0)
        self._failing: str | None = None
        self.handled = 0
        self.dead_lettered = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop``; reconnects (from the last commit) while the log is down."""
        while not stop.is_set():
            try:
                async with self._log.subscribe(
                    self._topics, group=self._group, start=self._start
                ) as sub:
                    await self._consume(sub, stop)
            except _Stopped:
                return
            except PortError as exc:
                self._set_failing(f"{type(exc).__name__}: {exc}")
                await self._backoff.wait(stop)

    async def _consume(self, sub: Subscription, stop: asyncio.Event) -> None:
        while not stop.is_set():
            records = await sub.poll(self._max_records, self._poll_timeout_s)
            self._set_failing(None)
            done: list[LogRecord] = []
            try:
                if self._batch_handler is not None and records:
                    await self._process_batch(records, stop)
                    done.extend(records)
                    continue
                for record in records:
                    await self._process(record, stop)
                    done.append(record)
            finally:
                if done:
                    await sub.commit(done)

    async def _process_batch(self, records: Sequence[LogRecord], stop: asyncio.Event) -> None:
        valid: list[tuple[Event, LogRecord]] = []
        for record in records:
            try:
                valid.append((self._schemas.parse(record.value), record))
            except InvalidEvent as exc:
                await self._dead_letter(record, f"invalid event: {exc}", stop)
        if valid and not await self._handle_batch(valid, stop):
            for event, record in valid:  # isolate what fails alone; the rest is handled
                await self._handle(event, record, stop)

    async def _handle_batch(
        self, valid: Sequence[tuple[Event, LogRecord]], stop: asyncio.Event
    ) -> bool:
        assert self._batch_handler is not None
        attempts = 0
        backoff = Backoff(self._backoff.initial, self._backoff.maximum)
        while True:
            try:
                await self._batch_handler(valid)
                self.handled += len(valid)
                return True
            except PortError as exc:
                self._set_failing(f"handler: {type(exc).__name__}: {exc}")
            except Exception as exc:
                attempts += 1
                log.warning(
                    "consumer.batch_failed",
                    extra={"group": self._group, "attempt": attempts, "error": repr(exc)},
                )
                if attempts >= self._handler_attempts:
                    return False
            if await backoff.wait(stop):
                raise _Stopped

    async def _process(self, record: LogRecord, stop: asyncio.Event) -> None:
        try:
            event = self._schemas.parse(record.value)
        except InvalidEvent as exc:
            await self._dead_letter(record, f"invalid event: {exc}", stop)
            return
        await self._handle(event, record, stop)

    async def _handle(self, event: Event, record: LogRecord, stop: asyncio.Event) -> None:
        attempts = 0
        backoff = Backoff(self._backoff.initial, self._backoff.maximum)
        while True:
            try:
                if self._handler is not None:
                    await self._handler(event, record)
                else:
                    assert self._batch_handler is not None
                    await self._batch_handler([(event, record)])
                self.handled += 1
                return
            except PortError as exc:
                # An engine is down: wait for it; dead-lettering would lose a good event.
                self._set_failing(f"handler: {type(exc).__name__}: {exc}")
            except Exception as exc:
                attempts += 1
                if attempts >= self._handler_attempts:
                    await self._dead_letter(record, f"handler failed: {exc!r}", stop)
                    return
            if await backoff.wait(stop):
                raise _Stopped

    async def _dead_letter(self, record: LogRecord, reason: str, stop: asyncio.Event) -> None:
        topic = self._dlq or f"{record.topic}.dlq"
        value = dead_letter_value(record, reason, self._group)
        backoff = Backoff(self._backoff.initial, self._backoff.maximum)
        while True:
            try:
                await self._log.publish(topic, record.key or "", value)
                break
            except PortError as exc:
                self._set_failing(f"dead letter: {type(exc).__name__}: {exc}")
                if await backoff.wait(stop):
                    raise _Stopped from None
        self.dead_lettered += 1
        log.warning(
            "consumer.dead_lettered",
            extra={"topic": record.topic, "offset": record.offset, "dlq": topic, "reason": reason},
        )

    def _set_failing(self, reason: str | None) -> None:
        if reason is not None and self._failing is None:
            log.warning("consumer.paused", extra={"group": self._group, "reason": reason})
        elif reason is None and self._failing is not None:
            log.warning("consumer.resumed", extra={"group": self._group, "after": self._failing})
            self._backoff.reset()
        self._failing = reason
