"""The real engines started by ``rumah infra up`` accept work, report their versions and
survive a stop → start with their data (what every fault test builds on)."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaConnectionError
from pymongo import AsyncMongoClient
from pymongo.errors import PyMongoError

from infra.engines import Engines
from infra.settings import InfraSettings

pytestmark = pytest.mark.integration

GO_MOD = Path(__file__).resolve().parents[2] / "infra" / "ferretdb" / "go.mod"


def _unique(prefix: str) -> str:
    return f"test-{prefix}-{uuid.uuid4().hex[:10]}"


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        yield producer
    finally:
        await producer.stop()


async def _create_topic(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, partitions, 1)])
        # On a cluster the broker that answers may learn of the topic a moment later (on a
        # loaded machine: seconds).
        for _ in range(300):
            if topic in await admin.list_topics():
                break
            await asyncio.sleep(0.1)
        assert topic in await admin.list_topics()
    finally:
        await admin.close()


async def _read(bootstrap: str, topic: str, want: int, group: str | None = None) -> list[bytes]:
    """Poll until ``want`` records came, or (``want=0``) two polls after the group's join."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await consumer.start()
    try:
        values: list[bytes] = []
        quiet_polls = 0
        for _ in range(60):
            batches = await consumer.getmany(timeout_ms=500)
            values += [r.value for records in batches.values() for r in records if r.value]
            quiet_polls += 1 if consumer.assignment() else 0
            if (want and len(values) >= want) or (not want and quiet_polls >= 2):
                break
        if group is not None:
            await consumer.commit()
        return values
    finally:
        await consumer.stop()


async def test_kafka_consumer_group_reads_what_an_idempotent_producer_wrote(
    kafka_bootstrap: str, producer: AIOKafkaProducer
) -> None:
    topic, group = _unique("roundtrip"), _unique("group")
    await _create_topic(kafka_bootstrap, topic, partitions=3)
    sent = [f"event-{i}".encode() for i in range(6)]
    for i, value in enumerate(sent):
        await producer.send_and_wait(topic, value, key=f"entity-{i % 3}".encode())

    assert sorted(await _read(kafka_bootstrap, topic, len(sent), group)) == sorted(sent)
    # The commit holds: the same group resumes after it and sees nothing new.
    assert await _read(kafka_bootstrap, topic, 0, group) == []


async def test_kafka_finds_the_first_record_at_or_after_a_timestamp(
    kafka_bootstrap: str, producer: AIOKafkaProducer
) -> None:
    topic = _unique("times")
    await _create_topic(kafka_bootstrap, topic, partitions=1)
    for ts in (1_000, 2_000, 3_000):
        await producer.send_and_wait(topic, str(ts).encode(), timestamp_ms=ts)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap)
    await consumer.start()
    try:
        tp = TopicPartition(topic, 0)
        found = await consumer.offsets_for_times({tp: 1_500})
        assert found[tp] is not None
        assert (found[tp].offset, found[tp].timestamp) == (1, 2_000)
    finally:
        await consumer.stop()


async def test_ferretdb_finds_what_was_inserted(mongo_url: str) -> None:
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(mongo_url)
    db_name = _unique("db").replace("-", "_")
    try:
        docs = client[db_name]["permits"]
        await docs.insert_one({"_id": "izin-1", "status": "submitted", "_v": 1})
        await docs.update_one(
            {"_id": "izin-1", "_v": 1}, {"$set": {"status": "approved"}, "$inc": {"_v": 1}}
        )
        assert await docs.find_one({"_id": "izin-1"}) == {
            "_id": "izin-1",
            "status": "approved",
            "_v": 2,
        }
    finally:
        await client.drop_database(db_name)
        await client.close()


async def test_engines_report_the_versions_they_run(
    engines: Engines, infra_settings: InfraSettings
) -> None:
    pinned = re.search(r"github.com/FerretDB/FerretDB (v\S+)", GO_MOD.read_text())
    assert pinned is not None
    assert await engines.kafka_version() == infra_settings.kafka_version
    assert await engines.ferretdb_version() == pinned.group(1)


async def test_kafka_keeps_its_records_across_stop_and_start(
    engines: Engines, kafka_bootstrap: str, producer: AIOKafkaProducer
) -> None:
    topic = _unique("persist")
    await producer.send_and_wait(topic, b"before-outage")

    await engines.stop("kafka")  # every node of a cluster
    assert {s.state for s in await engines.status("kafka")} == {"stopped"}
    unreachable = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, request_timeout_ms=2000)
    with pytest.raises(KafkaConnectionError):
        await unreachable.start()
    await unreachable.stop()

    statuses = await engines.start("kafka")
    assert {s.state for s in statuses} == {"running"}
    assert await _read(kafka_bootstrap, topic, 1) == [b"before-outage"]


async def test_ferretdb_keeps_its_documents_across_stop_and_start(
    engines: Engines, mongo_url: str
) -> None:
    db_name = _unique("persist").replace("-", "_")
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        mongo_url, serverSelectionTimeoutMS=1000
    )
    try:
        await client[db_name]["docs"].insert_one({"_id": "a", "n": 1})
        await engines.stop("ferretdb")
        with pytest.raises(PyMongoError):
            await client[db_name]["docs"].find_one({"_id": "a"})
        await engines.start("ferretdb")
        assert await client[db_name]["docs"].find_one({"_id": "a"}) == {"_id": "a", "n": 1}
    finally:
        await client.drop_database(db_name)
        await client.close()
