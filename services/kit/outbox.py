"""The outbox relay: moves pending outbox entries from the store to the event log.

At-least-once and in order per document: a document's entries are published in the order
they were written, and acknowledged (removed from the outbox) only after the log confirmed
them. A crash between publish and ack republishes them; consumers dedupe by event id.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence

from services.kit.backoff import Backoff
from services.kit.ports import DocumentStore, EventLog, OutboxAck, PendingOutbox, PortError

log = logging.getLogger("rumah.outbox")


class OutboxRelay:
    """Run as ``async with OutboxRelay(store, log):`` in a service's lifespan.

    It wakes at once when this process writes an outbox entry (store listener) and every
    ``poll_interval_s`` for entries written by other processes. While the store or the log is
    down it retries with capped exponential backoff and logs once per state change.
    """

    def __init__(
        self,
        store: DocumentStore,
        event_log: EventLog,
        *,
        batch_docs: int = 500,
        poll_interval_s: float = 1.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._store, self._log = store, event_log
        self._batch_docs = batch_docs
        self._poll_interval_s = poll_interval_s
        self._backoff = backoff or Backoff(initial=0.1, maximum=5.0)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing: str | None = None
        self.relayed = 0

    def notify(self) -> None:
        """Wake the relay now (called by the store after a put with outbox entries)."""
        self._wake.set()

    async def __aenter__(self) -> OutboxRelay:
        self._store.add_outbox_listener(self.notify)
        self._stop.clear()
        self._task = asyncio.create_task(self.run(), name="outbox-relay")
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stop.set()
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def run(self) -> None:
        """Relay until ``__aexit__``; a batch in flight is finished (or fails) first."""
        while not self._stop.is_set():
            self._wake.clear()
            try:
                moved = await self.drain_once()
            except PortError as exc:
                self._mark_failing(exc)
                await self._backoff.wait(self._stop)
                continue
            self._mark_healthy()
            if moved:
                continue  # more may be waiting: drain before sleeping
            try:
                await asyncio.wait_for(self._wake.wait(), self._poll_interval_s)
            except TimeoutError:
                pass

    async def drain_once(self) -> int:
        """Publish and acknowledge one batch; return how many entries were relayed."""
        pending = await self._store.outbox_pending(self._batch_docs)
        if not pending:
            return 0
        by_topic: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
        for doc in pending:
            for entry in doc.entries:
                by_topic[entry.topic].append((entry.key, entry.value))
        done: set[str] = set()
        try:
            for topic, items in by_topic.items():
                await self._log.publish_many(topic, items)
                done.add(topic)
        finally:
            # Whatever the log confirmed is acknowledged even if a later topic failed.
            acks = _acks(pending, done)
            if acks:
                await self._store.outbox_ack_many(acks)
        moved = sum(len(a.entry_ids) for a in acks)
        self.relayed += moved
        return moved

    def _mark_failing(self, exc: PortError) -> None:
        reason = f"{type(exc).__name__}: {exc}"
        if self._failing is None:
            log.warning("outbox_relay.paused", extra={"reason": reason})
        self._failing = reason

    def _mark_healthy(self) -> None:
        if self._failing is not None:
            log.warning("outbox_relay.resumed", extra={"after": self._failing})
            self._failing = None
        self._backoff.reset()


def _acks(pending: Sequence[PendingOutbox], topics: set[str]) -> list[OutboxAck]:
    acks = []
    for doc in pending:
        entries = tuple(e for e in doc.entries if e.topic in topics)
        if entries:
            acks.append(OutboxAck(doc.collection, doc.doc_id, entries))
    return acks
