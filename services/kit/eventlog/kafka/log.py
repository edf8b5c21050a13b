"""The scale-out event log: Apache Kafka through aiokafka.

Idempotent producer (``acks=all``), records keyed by entity id so order per entity holds,
consumer groups with manual commits after processing, replay by offset or timestamp, topics
created through the admin client. Every network call is bounded: an unreachable broker
raises ``LogUnavailable`` within the configured timeouts, never hangs. Connections are made
lazily so a service can start while the broker is down.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Mapping, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaConnectionError, KafkaError, TopicAlreadyExistsError, for_code

from rumah.common.kafka_client import (
    KafkaClientSettings,
    broker_replication_factor,
    explain_connect_failure,
)
from services.kit.eventlog.kafka.subscription import KafkaSubscription, cancelled_from_outside
from services.kit.ports import (
    EARLIEST,
    LogPosition,
    LogUnavailable,
    PublishItem,
    StartAt,
    item_headers,
)

log = logging.getLogger("rumah.eventlog.kafka")
T = TypeVar("T")
FAILURES = (KafkaError, TimeoutError, OSError)


class KafkaEventLog:
    def __init__(
        self,
        bootstrap: str,
        *,
        connect_timeout_s: float = 3.0,
        op_timeout_s: float = 10.0,
        default_partitions: int = 3,
        replication_factor: int | None = None,
        client_id: str = "rumah",
        linger_ms: int = 5,
        client: KafkaClientSettings | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.client = client or KafkaClientSettings()
        self.connect_timeout_s = connect_timeout_s
        self.op_timeout_s = op_timeout_s
        self.default_partitions = default_partitions
        self.client_id = client_id
        # None: the brokers' default.replication.factor, read when the first topic is created
        self._replication_factor = replication_factor or self.client.kafka_replication_factor
        self._linger_ms = linger_ms
        self._producer: AIOKafkaProducer | None = None
        self._retiring: asyncio.Future[None] | None = None  # a failed producer, stopping
        self._admin: AIOKafkaAdminClient | None = None
        self._lock = asyncio.Lock()
        self._topics: set[str] = set()
        self._background: set[asyncio.Future[None]] = set()
        self._probes: set[asyncio.Future[Any]] = set()  # pings in flight (see ``ping``)

    async def start(self) -> None:
        try:
            await self._ready_producer()
        except LogUnavailable as exc:
            # Not fatal: readiness reports it and calls retry until the broker is back.
            log.warning("eventlog.kafka.unavailable_at_start", extra={"reason": str(exc)})

    async def stop(self) -> None:
        if self._probes:  # let in-flight pings end before their client is closed
            await asyncio.wait(set(self._probes), timeout=self.op_timeout_s)
        async with self._lock:
            await self._drop_producer()
            if self._admin is not None:
                admin, self._admin = self._admin, None
                await _quietly(admin.close(), self.op_timeout_s)
        if self._background:  # clients whose start outlived its deadline: let them close
            await asyncio.wait(set(self._background), timeout=self.op_timeout_s)

    async def bounded(self, call: Awaitable[T], what: str, timeout_s: float | None = None) -> T:
        """Await ``call`` within a timeout, mapping Kafka/network failures to LogUnavailable."""
        try:
            return await asyncio.wait_for(call, timeout_s or self.op_timeout_s)
        except FAILURES as exc:
            raise LogUnavailable(f"kafka {self.bootstrap}: {what}: {exc!r}") from exc
        except asyncio.CancelledError as exc:
            if cancelled_from_outside():
                raise
            # aiokafka cancelled one of its own tasks under us (its broker died)
            raise LogUnavailable(f"kafka {self.bootstrap}: {what}: cancelled inside") from exc

    async def start_client(
        self,
        start: Callable[[], Awaitable[Any]],
        close: Callable[[], Awaitable[Any]],
        what: str,
    ) -> None:
        """Start an aiokafka client within ``connect_timeout_s``, else raise LogUnavailable.

        ``start()`` is never cancelled: a cancelled aiokafka start leaves its bootstrap
        connection open. When it fails or is still running at the deadline, the client is
        closed once its start has ended (aiokafka's request timeout bounds that).
        """
        task = asyncio.ensure_future(start())

        async def close_after_start() -> None:
            with contextlib.suppress(BaseException):
                await task
            await _quietly(close(), self.op_timeout_s)

        try:
            done, _ = await asyncio.wait({task}, timeout=self.connect_timeout_s)
        except asyncio.CancelledError:
            self._in_background(close_after_start())
            raise
        if not done:
            self._in_background(close_after_start())
            raise LogUnavailable(
                f"kafka {self.bootstrap}: {what}: no answer in {self.connect_timeout_s}s"
            )
        exc = task.exception()
        if exc is None:
            return
        await close_after_start()
        if isinstance(exc, FAILURES):
            why = None
            if isinstance(exc, KafkaConnectionError):
                # aiokafka only logs why it could not bootstrap (a refused password, an
                # untrusted certificate, …): ask once more, so the error (and readiness) says it.
                why = await explain_connect_failure(
                    self.bootstrap, self.client, self.connect_timeout_s
                )
            raise LogUnavailable(f"kafka {self.bootstrap}: {what}: {why or repr(exc)}") from exc
        raise exc

    def _in_background(self, coro: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _ready_producer(self) -> AIOKafkaProducer:
        async with self._lock:
            if self._producer is None:
                if self._retiring is not None:
                    # The failed producer's batches must have expired (or been delivered)
                    # before a new producer re-sends them: order per entity. It stops within
                    # its request timeout; an outage usually lasts longer than that anyway.
                    await asyncio.wait({self._retiring}, timeout=2 * self.op_timeout_s)
                    self._retiring = None
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=self._linger_ms,
                    request_timeout_ms=int(self.op_timeout_s * 1000),
                    max_batch_size=256 * 1024,
                    **self.client.client_options(),
                )
                await self.start_client(producer.start, producer.stop, "connect")
                self._producer = producer
            return self._producer

    async def _drop_producer(self) -> None:
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await _quietly(producer.stop(), self.op_timeout_s)

    def _retire_producer(self) -> None:
        """Stop a producer that failed, in the background: the publish that failed returns
        at once instead of waiting out the flush of batches a dead broker cannot take (they
        expire within the request timeout). Never cancelled half-way: a cancelled aiokafka
        stop leaves its sender task pending ("Task was destroyed but it is pending!")."""
        if self._producer is None:
            return
        producer, self._producer = self._producer, None
        stopping = asyncio.ensure_future(_quietly(producer.stop(), 3 * self.op_timeout_s))
        self._background.add(stopping)
        stopping.add_done_callback(self._background.discard)
        self._retiring = stopping

    async def _ready_admin(self) -> AIOKafkaAdminClient:
        async with self._lock:
            if self._admin is None:
                admin = AIOKafkaAdminClient(
                    bootstrap_servers=self.bootstrap,
                    client_id=f"{self.client_id}-admin",
                    request_timeout_ms=int(self.op_timeout_s * 1000),
                    **self.client.client_options(),
                )
                await self.start_client(admin.start, admin.close, "admin connect")
                self._admin = admin
            return self._admin

    async def ping(self) -> None:
        admin = await self._ready_admin()
        # Never cancelled half-way: a cancelled aiokafka connect leaves its socket open (a
        # readiness probe timing out every few seconds against a hanging broker would leak
        # one each time). A caller that stops waiting leaves the request to end within
        # aiokafka's request timeout; ``stop`` waits for it before closing the client.
        probe = asyncio.ensure_future(admin.describe_cluster())
        self._probes.add(probe)
        probe.add_done_callback(_settle_probe(self._probes))
        await self.bounded(asyncio.shield(probe), "ping", self.connect_timeout_s)

    async def ensure_topic(
        self, topic: str, partitions: int = 1, *, configs: Mapping[str, str] | None = None
    ) -> None:
        if topic in self._topics:
            return
        admin = await self._ready_admin()
        configs = {**self.client.topic_configs(), **(configs or {})}
        new = NewTopic(
            topic,
            num_partitions=partitions,
            replication_factor=await self._replication(admin),
            topic_configs=configs,
        )
        response: Any = await self.bounded(admin.create_topics([new]), f"create topic {topic}")
        existed = False
        for item in response.topic_errors:
            code = item[1]
            if code and for_code(code) is not TopicAlreadyExistsError:
                raise LogUnavailable(f"kafka: cannot create topic {topic}: {for_code(code)}")
            existed = existed or bool(code)
        if configs and existed:  # created earlier (by hand, an older version): set them now
            resource = ConfigResource(ConfigResourceType.TOPIC, topic, configs=dict(configs))
            altered: Any = await self.bounded(
                admin.alter_configs([resource]), f"configure topic {topic}"
            )
            for result in altered:
                for code, message, *_ in result.resources:
                    if code:
                        raise LogUnavailable(f"kafka: configure topic {topic}: {message}")
        self._topics.add(topic)

    async def _replication(self, admin: AIOKafkaAdminClient) -> int:
        if self._replication_factor is None:
            try:
                found = await self.bounded(
                    broker_replication_factor(admin), "read default.replication.factor"
                )
            except LookupError as exc:
                raise LogUnavailable(
                    f"kafka {self.bootstrap}: {exc}; set RUMAH_KAFKA_REPLICATION_FACTOR"
                ) from exc
            self._replication_factor = found
        return self._replication_factor

    async def partitions(self, topic: str) -> list[int]:
        """The topic's partition ids, from the broker (waits briefly for a new topic)."""
        admin = await self._ready_admin()
        for _ in range(50):
            described: Any = await self.bounded(admin.describe_topics([topic]), "describe topic")
            found = [
                p["partition"] for t in described for p in t["partitions"] if t["topic"] == topic
            ]
            if found:
                return sorted(found)
            await asyncio.sleep(0.1)
        raise LogUnavailable(f"kafka: topic {topic} has no partitions")

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> LogPosition:
        return (await self._send(topic, [(key, value, list(headers))]))[0]

    async def publish_many(self, topic: str, items: Sequence[PublishItem]) -> list[LogPosition]:
        return await self._send(topic, [(i[0], i[1], list(item_headers(i))) for i in items])

    async def _send(
        self, topic: str, items: Sequence[tuple[str, bytes, list[tuple[str, bytes]]]]
    ) -> list[LogPosition]:
        if not items:
            return []
        await self.ensure_topic(topic, self.default_partitions)
        producer = await self._ready_producer()

        async def send_all() -> list[Any]:
            # send() only enqueues into per-partition batches; the futures resolve on ack.
            futures = [
                await producer.send(topic, value, key=key.encode(), headers=headers or None)
                for key, value, headers in items
            ]
            return list(await asyncio.gather(*futures))

        try:
            results = await self.bounded(send_all(), f"publish to {topic}")
        except LogUnavailable:
            # Start afresh next time (a producer whose broker died may keep stale metadata
            # and connections); the next producer waits for this one to stop, so no
            # half-sent batch of it can land behind a retry of the same entries.
            async with self._lock:
                if self._producer is producer:
                    self._retire_producer()
            raise
        return [LogPosition(r.topic, r.partition, r.offset) for r in results]

    def subscribe(
        self,
        topics: Sequence[str],
        *,
        group: str | None = None,
        start: StartAt = EARLIEST,
    ) -> KafkaSubscription:
        return KafkaSubscription(self, list(topics), group=group, start=start)


async def _quietly(call: Awaitable[Any], timeout_s: float) -> None:
    """Close a client, bounded; a failure to close cleanly is not worth an error."""
    try:
        await asyncio.wait_for(call, timeout_s)
    except FAILURES as exc:
        log.info("eventlog.kafka.close_failed", extra={"error": repr(exc)})


def _settle_probe(probes: set[asyncio.Future[Any]]) -> Callable[[asyncio.Future[Any]], None]:
    """Forget a finished ping; its failure was reported to whoever still waited for it."""

    def done(probe: asyncio.Future[Any]) -> None:
        probes.discard(probe)
        if not probe.cancelled():
            probe.exception()  # retrieved: no "exception was never retrieved" warning

    return done
