"""The outbox relay: moves outbox entries from the store to the event log.

At-least-once and in order per document: a document's entries are published in the order
they were written, and acknowledged only after the log confirmed them. A crash between
publish and ack republishes them; consumers dedupe by event id.

Steady state needs no store scan: the store hands every successful write's entries to the
relay in-process (``DocumentStore.add_outbox_feed``), in write order per document, and the
relay publishes them from memory in batches (``publish_many`` per topic) and acknowledges
each batch with one store call. Scans of the store's outbox remain for what the feed cannot
know: at start-up (entries left by a crash or a stopped process), when the store reports a
write of unknown outcome, when the in-memory queue overflowed (log down for long), and as
a slow safety net for other processes' writes — that one leaves entries younger than
``scan_grace_s`` to the feed and runs at most every ``poll_interval_s``, or less often when
a scan is expensive (FerretDB scans whole collections): the pause is at least
``scan_cost_factor`` × the last scan's duration.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import defaultdict, deque
from collections.abc import Callable, Iterable, Sequence

from rumah.common import tracing
from services.kit.backoff import Backoff
from services.kit.event_trace import producer_items
from services.kit.ports import (
    DocumentStore,
    EventLog,
    OutboxAck,
    OutboxEntry,
    PendingOutbox,
    PortError,
)

log = logging.getLogger("rumah.outbox")

Queued = tuple[str, str, OutboxEntry]  # (collection, document id, entry)


class OutboxRelay:
    """Run as ``async with OutboxRelay(store, log):`` in a service's lifespan.

    While the store or the log is down it retries with capped exponential backoff and logs
    once per state change; entries wait in the outbox (and in memory, up to ``max_queued``).
    """

    def __init__(
        self,
        store: DocumentStore,
        event_log: EventLog,
        *,
        batch_docs: int = 500,
        batch_entries: int = 2000,
        poll_interval_s: float = 1.0,
        scan_grace_s: float = 2.0,
        scan_cost_factor: float = 20.0,
        max_queued: int = 100_000,
        backoff: Backoff | None = None,
        on_published: Callable[[Iterable[str]], None] | None = None,
    ) -> None:
        self._store, self._log = store, event_log
        self._batch_docs, self._batch_entries = batch_docs, batch_entries
        self._poll_interval_s = poll_interval_s
        self._scan_grace_s, self._scan_cost_factor = scan_grace_s, scan_cost_factor
        self._max_queued = max_queued
        self._on_published = on_published  # told the ids of every batch the log confirmed
        # Capped low: while the log is down a retry costs one failed connect, and the cap is
        # how late events flow again after the log is back.
        self._backoff = backoff or Backoff(initial=0.1, maximum=2.0)
        self._wake = asyncio.Event()
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._failing: str | None = None
        self._queue: deque[Queued] = deque()
        # Counts the times the queue was dropped for the store (overflow): a batch in flight
        # when it happened is not put back (the full scan due finds its entries in order).
        self._dropped = 0
        self._in_flight = 0  # entries taken from the queue into a batch being published
        self._queued_ids: set[str] = set()
        # Ids a scan relayed (a write's feed can arrive after a scan read its entries): the
        # queue skips them. Insertion-ordered, bounded; an id leaves when the queue meets it.
        self._scanned_ids: dict[str, None] = {}
        # Published but not acknowledged (the store failed): retried before anything else,
        # so a store outage does not republish what the log already has.
        self._unacked: list[OutboxAck] = []
        self._full_scan = True  # start-up: whatever a previous process left behind
        self._next_scan = 0.0
        self._registered = False
        self.relayed = 0

    @property
    def queued(self) -> int:
        """Entries handed over by this process's writes and not relayed yet."""
        return len(self._queue)

    @property
    def stalled(self) -> str | None:
        """Why events cannot flow now: the last attempt failed and entries are waiting (the
        service's readiness reports it); None while they flow or nothing waits."""
        waiting = self._queue or self._in_flight or self._full_scan  # not yet on the log
        if self._failing is not None and waiting:
            return self._failing
        return None

    def feed(self, written: Sequence[PendingOutbox] | None) -> None:
        """Entries just written by this process (``None``: outcome unknown, scan the store)."""
        if self._task is None:
            return  # stopped: the store keeps them for the next relay (which scans at start)
        if written is None:
            self._full_scan = True
        elif len(self._queue) + sum(len(p.entries) for p in written) > self._max_queued:
            # The store holds them all anyway: forget the queue, read the store instead.
            self._queue.clear()
            self._queued_ids.clear()
            self._dropped += 1
            self._full_scan = True
        else:
            for pending in written:
                for entry in pending.entries:
                    self._queue.append((pending.collection, pending.doc_id, entry))
                    self._queued_ids.add(entry.id)
        self._wake.set()

    async def __aenter__(self) -> OutboxRelay:
        if not self._registered:
            self._store.add_outbox_feed(self.feed)
            self._registered = True
        self._queue.clear()  # a restart reads the store: nothing was fed while stopped
        self._queued_ids.clear()
        self._full_scan = True
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
                moved = await self._step()
            except PortError as exc:
                self._mark_failing(exc)
                await self._backoff.wait(self._stop)
                continue
            except Exception as exc:  # a bug must not end the relay: events would wait forever
                log.exception("outbox_relay.failed")
                self._mark_failing(exc)
                await self._backoff.wait(self._stop)
                continue
            self._mark_healthy()
            if moved or self._queue or self._full_scan:
                continue  # more may be waiting: drain before sleeping
            pause = self._next_scan - time.monotonic()
            if pause > 0:
                try:
                    await asyncio.wait_for(self._wake.wait(), pause)
                except TimeoutError:
                    pass

    async def _step(self) -> int:
        """Acknowledgements, scan, queue; raises only when nothing could be relayed.

        A store that fails acknowledgements or the safety-net scan does not hold up the fed
        queue: its entries are in the store already and need only the log (acknowledging
        them waits in ``_unacked``, bounded by ``max_queued``). A pending full scan does hold
        it up: the scan may find older entries of the same documents (order per entity).
        """
        store_error: PortError | None = None
        moved = 0
        try:
            await self._retry_acks()
            moved = await self._scan_if_due()
        except PortError as exc:
            store_error = exc
        if (store_error is None or not self._full_scan) and len(self._unacked) < self._max_queued:
            try:
                moved += await self._drain_queue()
            except PortError as exc:
                store_error = store_error or exc
        if store_error is not None and not moved:
            raise store_error
        return moved

    async def _scan_if_due(self) -> int:
        full = self._full_scan
        if not full and time.monotonic() < self._next_scan:
            return 0
        self._full_scan = False
        started = time.monotonic()
        try:
            moved = await self._scan(0.0 if full else self._scan_grace_s)
        except PortError:
            self._full_scan = self._full_scan or full
            raise
        took = time.monotonic() - started
        pause = max(self._poll_interval_s, self._scan_cost_factor * took)
        self._next_scan = time.monotonic() + pause
        return moved

    async def _scan(self, min_age_s: float) -> int:
        """Publish what the store holds and the queue does not, until nothing is left.

        The store answers the oldest ``limit`` documents; a page that gives nothing to publish
        (every document's next entry is queued, or was relayed by this scan) but is full may
        hide older entries of other documents behind it, so the next read asks for twice as
        many — the scan ends only on a page that held every pending document."""
        moved = 0
        limit = self._batch_docs
        relayed_now: set[str] = set()  # never twice in one scan, whatever the store answers
        while True:
            pending = await self._store.outbox_pending(limit, min_age_s=min_age_s)
            fresh = []
            for doc in pending:
                # Only what comes before the document's first queued entry: later entries
                # were written after it and reach the queue behind it (per-entity order).
                entries: list[OutboxEntry] = []
                for e in doc.entries:
                    if e.id in self._queued_ids:
                        break
                    if e.id not in relayed_now:
                        entries.append(e)
                if entries:
                    fresh.append(PendingOutbox(doc.collection, doc.doc_id, tuple(entries)))
            if not fresh:
                if len(pending) < limit:
                    return moved
                limit *= 2
                continue
            relayed = await self._publish_and_ack(fresh)
            for doc in fresh:
                self._scanned_ids.update(dict.fromkeys(e.id for e in doc.entries))
                relayed_now.update(e.id for e in doc.entries)
            while len(self._scanned_ids) > self._max_queued:
                del self._scanned_ids[next(iter(self._scanned_ids))]
            moved += relayed
            if relayed == 0:
                return moved

    async def _drain_queue(self) -> int:
        """Publish and acknowledge up to ``batch_entries`` fed entries, oldest first."""
        batch: list[Queued] = []
        while self._queue and len(batch) < self._batch_entries:
            item = self._queue.popleft()
            self._queued_ids.discard(item[2].id)
            if item[2].id in self._scanned_ids:
                del self._scanned_ids[item[2].id]
            else:
                batch.append(item)
        if not batch:
            return 0
        by_doc: dict[tuple[str, str], list[OutboxEntry]] = defaultdict(list)
        for coll, doc_id, entry in batch:
            by_doc[(coll, doc_id)].append(entry)
        pending = [PendingOutbox(c, d, tuple(es)) for (c, d), es in by_doc.items()]
        done: set[str] = set()
        self._in_flight = len(batch)
        dropped = self._dropped
        try:
            return await self._publish_and_ack(pending, done, defer_ack_failure=True)
        finally:
            self._in_flight = 0
            # What was not acknowledged goes back to the front, in its order — unless the
            # queue was dropped meanwhile: then the full scan due reads these entries from the
            # store with the dropped ones after them (put back in front of an emptied queue,
            # they would stop the scan at them and be published ahead of the dropped ones).
            left = [item for item in batch if item[2].topic not in done]
            if left and dropped == self._dropped:
                self._queue.extendleft(reversed(left))
                self._queued_ids.update(item[2].id for item in left)

    async def drain_once(self) -> int:
        """Read one batch from the store's outbox, publish and acknowledge it; return how many
        entries were relayed (the scan path; also for tests and tools)."""
        await self._retry_acks()
        pending = await self._store.outbox_pending(self._batch_docs)
        return await self._publish_and_ack(pending) if pending else 0

    async def _retry_acks(self) -> None:
        if self._unacked:
            await self._store.outbox_ack_many(self._unacked)
            self._unacked = []

    async def _publish_and_ack(
        self,
        pending: Sequence[PendingOutbox],
        done: set[str] | None = None,
        *,
        defer_ack_failure: bool = False,
    ) -> int:
        """``done`` collects the topics whose entries were published (acknowledged, or their
        acknowledgement waiting in ``_unacked``). ``defer_ack_failure``: a store failing the
        acknowledgement does not make the batch fail (the log has it)."""
        by_topic: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
        for doc in pending:
            for entry in doc.entries:
                by_topic[entry.topic].append((entry.key, entry.value))
        published: set[str] = set()
        try:
            for topic, items in by_topic.items():
                if tracing.enabled():  # a producer span per event, its context in the headers
                    traced, spans = producer_items("outbox", topic, items)
                    with tracing.ended(spans):
                        await self._log.publish_many(topic, traced)
                else:
                    await self._log.publish_many(topic, items)
                published.add(topic)
                if self._on_published is not None:
                    self._on_published(
                        e.id for doc in pending for e in doc.entries if e.topic == topic
                    )
        finally:
            # Whatever the log confirmed is acknowledged even if a later topic failed.
            acks = _acks(pending, published)
            if acks:
                try:
                    await self._store.outbox_ack_many(acks)
                except PortError as exc:
                    self._unacked.extend(acks)  # the log has them: only the ack is retried
                    if done is not None:
                        done.update(published)
                    if not defer_ack_failure or len(published) < len(by_topic):
                        raise
                    log.info("outbox_relay.ack_deferred", extra={"reason": repr(exc)})
                if done is not None:
                    done.update(published)
        moved = sum(len(a.entries) for a in acks)
        self.relayed += moved
        return moved

    def _mark_failing(self, exc: Exception) -> None:
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
