"""A Kafka consumer behind the ``Subscription`` port (group member or plain reader)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol, TypeVar

from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from rumah.common.kafka_client import KafkaClientSettings
from services.kit.ports import LogRecord, LogUnavailable, StartAt

T = TypeVar("T")


class KafkaClients(Protocol):
    """What a subscription needs of its log (``KafkaEventLog``): where the brokers are, the
    timeouts, and the log's bounded calls."""

    bootstrap: str
    client_id: str
    client: KafkaClientSettings
    op_timeout_s: float
    default_partitions: int

    async def ensure_topic(self, topic: str, partitions: int = 1) -> None: ...

    async def partitions(self, topic: str) -> list[int]: ...

    async def bounded(self, call: Awaitable[T], what: str, timeout_s: float | None = None) -> T: ...

    async def start_client(
        self, start: Callable[[], Awaitable[Any]], close: Callable[[], Awaitable[Any]], what: str
    ) -> None: ...


def cancelled_from_outside() -> bool:
    """Whether the running task is being cancelled (not just a CancelledError from inside a
    client library's own tasks)."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


class _StartWhereUncommitted(ConsumerRebalanceListener):  # type: ignore[misc]
    """Apply an offset/timestamp ``StartAt`` to newly assigned partitions without a commit."""

    def __init__(self, sub: KafkaSubscription) -> None:
        self._sub = sub

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        # Hand partitions over only once the batch being handled is committed: otherwise
        # the next owner re-reads it while this member is still writing it (two writers of
        # one entity for a moment; see docs/replicas.md). Bounded: a handler stuck on a
        # dead store must not hold the whole group.
        if revoked and self._sub.open:
            try:
                await asyncio.wait_for(self._sub.idle.wait(), REVOKE_WAIT_S)
            except TimeoutError:
                pass

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        if not self._sub.open:
            return  # a subscription closed meanwhile (its broker died): nothing to position
        consumer = self._sub.consumer
        fresh = [tp for tp in assigned if await consumer.committed(tp) is None]
        if fresh:
            await self._sub.seek_partitions(fresh, self._sub.start)


REVOKE_WAIT_S = 8.0
"""How long a rebalance waits for the batch in hand to be committed (under the session
timeout, so the member is not thrown out meanwhile)."""

STALL_S = 5.0
"""A poll that fetched nothing for this long while records wait (lag > 0) means the consumer
is stuck: aiokafka's consumer may never fetch again after its broker(s) died and came back
(aio-libs/aiokafka#703) — not until its next metadata refresh (5 min by default), if then."""


class KafkaSubscription:
    def __init__(
        self, owner: KafkaClients, topics: list[str], *, group: str | None, start: StartAt
    ) -> None:
        self._owner = owner
        self._topics = topics
        self._group = group
        self.start = start
        self._consumer: AIOKafkaConsumer | None = None
        self._returned: dict[TopicPartition, int] = {}
        self._quiet_since: float | None = None  # when polls started to come back empty
        # set unless records were returned by poll() and neither committed nor followed by
        # another poll (the owner still handles them)
        self.idle = asyncio.Event()
        self.idle.set()
        self._committed: dict[TopicPartition, int] = {}

    @property
    def open(self) -> bool:
        return self._consumer is not None

    @property
    def consumer(self) -> AIOKafkaConsumer:
        if self._consumer is None:
            raise RuntimeError("subscription is not started (use `async with`)")
        return self._consumer

    async def __aenter__(self) -> KafkaSubscription:
        owner = self._owner
        for topic in self._topics:
            await owner.ensure_topic(topic, owner.default_partitions)
        consumer = AIOKafkaConsumer(
            bootstrap_servers=owner.bootstrap,
            client_id=f"{owner.client_id}-consumer",
            group_id=self._group,
            enable_auto_commit=False,
            auto_offset_reset="latest" if self.start.kind == "latest" else "earliest",
            request_timeout_ms=int(owner.op_timeout_s * 1000),
            session_timeout_ms=10_000,
            heartbeat_interval_ms=3_000,
            **owner.client.client_options(),
        )
        await owner.start_client(consumer.start, consumer.stop, "consumer connect")
        self._consumer = consumer
        try:
            if self._group is not None:
                listener = _StartWhereUncommitted(self)
                consumer.subscribe(self._topics, listener=listener)
            else:
                tps = [
                    TopicPartition(topic, p)
                    for topic in self._topics
                    for p in await owner.partitions(topic)
                ]
                consumer.assign(tps)
                await self.seek_partitions(tps, self.start)
        except BaseException:
            await self._close()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._close()

    async def _close(self) -> None:
        self.idle.set()  # nothing more will be committed by this member
        if self._consumer is not None:
            consumer, self._consumer = self._consumer, None
            try:
                await asyncio.wait_for(consumer.stop(), self._owner.op_timeout_s)
            except asyncio.CancelledError:
                if cancelled_from_outside():
                    raise
                # aiokafka's fetcher re-raises the cancellation of its own fetch tasks when
                # it closes after its broker died; swallowing it keeps the consumer loop
                # (which re-subscribes) alive instead of ending it silently.
            except Exception:
                # Leaving the group failed (broker gone): the session timeout expires it.
                pass

    async def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[LogRecord]:
        self.idle.set()  # the owner is done with what the previous poll returned
        batches = await self._owner.bounded(
            self.consumer.getmany(timeout_ms=int(timeout_s * 1000), max_records=max_records),
            "poll",
            timeout_s + self._owner.op_timeout_s,
        )
        out: list[LogRecord] = []
        for tp, records in batches.items():
            for r in records:
                out.append(
                    LogRecord(
                        tp.topic,
                        tp.partition,
                        r.offset,
                        None if r.key is None else r.key.decode(),
                        r.value or b"",
                        r.timestamp,
                        tuple(r.headers or ()),
                    )
                )
            if records:
                self._returned[tp] = records[-1].offset + 1
        if out:
            self._quiet_since = None
            if self._group is not None:
                self.idle.clear()
        else:
            await self._raise_if_stalled()
        return out

    async def _raise_if_stalled(self) -> None:
        """``LogUnavailable`` when nothing was fetched for ``STALL_S`` although records wait:
        the owner of the subscription then opens a fresh one (from the last commit)."""
        now = time.monotonic()
        if self._quiet_since is None:
            self._quiet_since = now
            return
        if now - self._quiet_since < STALL_S:
            return
        self._quiet_since = now
        waiting = await self.lag()
        if waiting:
            raise LogUnavailable(
                f"kafka {self._owner.bootstrap}: consumer stalled: {waiting} records wait, "
                f"none fetched for {STALL_S:.0f}s"
            )

    async def commit(self, records: Sequence[LogRecord] | None = None) -> None:
        if self._group is None:
            return
        if records is None:
            offsets = dict(self._returned)
        else:
            offsets = {}
            for r in records:
                tp = TopicPartition(r.topic, r.partition)
                offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
        if offsets:
            await self._owner.bounded(self.consumer.commit(offsets), "commit")
            for tp, off in offsets.items():
                self._committed[tp] = max(self._committed.get(tp, 0), off)
        if all(self._committed.get(tp, 0) >= end for tp, end in self._returned.items()):
            self.idle.set()  # everything returned so far is committed

    async def seek(self, start: StartAt) -> None:
        await self.seek_partitions(sorted(self.consumer.assignment()), start)
        self._returned = {}

    async def lag(self) -> int:
        consumer, bounded = self.consumer, self._owner.bounded
        tps = sorted(consumer.assignment())
        if not tps:
            return 0
        end = await bounded(consumer.end_offsets(tps), "offsets")
        behind = 0
        for tp in tps:  # the position of the next record poll() returns
            behind += max(0, end[tp] - await bounded(consumer.position(tp), "position"))
        return behind

    async def seek_partitions(self, tps: list[TopicPartition], start: StartAt) -> None:
        """Position ``tps`` at ``start`` (offsets are clamped to what the partition holds)."""
        if not tps:
            return
        consumer, bounded = self.consumer, self._owner.bounded
        if start.kind == "earliest":
            await bounded(consumer.seek_to_beginning(*tps), "seek")
            return
        if start.kind == "latest":
            await bounded(consumer.seek_to_end(*tps), "seek")
            return
        first = await bounded(consumer.beginning_offsets(tps), "offsets")
        end = await bounded(consumer.end_offsets(tps), "offsets")
        if start.kind == "offset":
            for tp in tps:
                consumer.seek(tp, max(first[tp], min(start.offset, end[tp])))
            return
        found = await bounded(
            consumer.offsets_for_times({tp: start.timestamp_ms for tp in tps}), "offsets"
        )
        for tp in tps:
            hit = found.get(tp)
            consumer.seek(tp, end[tp] if hit is None else hit.offset)
