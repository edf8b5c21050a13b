"""Adapters pointed at a closed port fail fast with the port's error instead of hanging."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import LogUnavailable, StoreUnavailable
from services.kit.store.mongo import MongoDocumentStore

CLOSED = "127.0.0.1:1"


async def test_kafka_adapter_raises_log_unavailable_quickly() -> None:
    log = KafkaEventLog(CLOSED, connect_timeout_s=0.5, op_timeout_s=1.0)
    await log.start()  # a service still starts
    try:
        for call in (log.ping(), log.publish("t", "k", b"v"), log.ensure_topic("t")):
            started = time.monotonic()
            with pytest.raises(LogUnavailable):
                await call
            assert time.monotonic() - started < 3
    finally:
        await log.stop()


async def test_mongo_adapter_raises_store_unavailable_quickly() -> None:
    store = MongoDocumentStore(f"mongodb://{CLOSED}", "x", connect_timeout_s=0.5, op_timeout_s=1)
    await store.start()
    try:
        coll = store.collection("c")
        for call in (store.ping(), coll.get("a"), coll.put({"_id": "a"}, expected_version=0)):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                await call
            assert time.monotonic() - started < 3
    finally:
        await store.stop()


async def test_open_backends_starts_while_the_engines_are_down(tmp_path: Path) -> None:
    settings = BackendSettings(
        backend="kafka",
        kafka_bootstrap=CLOSED,
        mongo_url=f"mongodb://{CLOSED}",
        connect_timeout_s=0.5,
        op_timeout_s=1.0,
        data_dir=tmp_path,
    )
    async with open_backends(settings) as (store, log):
        with pytest.raises(StoreUnavailable):
            await store.ping()
        with pytest.raises(LogUnavailable):
            await log.ping()


def test_settings_come_from_rumah_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RUMAH_KAFKA_BOOTSTRAP", raising=False)
    monkeypatch.setenv("RUMAH_BACKEND", "kafka")
    monkeypatch.setenv("RUMAH_MONGO_DB", "perizinan")
    monkeypatch.setenv("RUMAH_LOG_PARTITIONS", "6")
    s = BackendSettings()
    assert (s.backend, s.mongo_db, s.log_partitions) == ("kafka", "perizinan", 6)
    assert s.kafka_bootstrap == "127.0.0.1:9092"
    assert (
        s.kafka_bootstrap == "127.0.0.1:9092" or "RUMAH_KAFKA_BOOTSTRAP" in __import__("os").environ
    )
    monkeypatch.setenv("RUMAH_BACKEND", "cassandra")
    with pytest.raises(ValueError, match="backend"):
        BackendSettings()
