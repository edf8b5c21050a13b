"""Micro-benchmarks of the kit's ports: each is an async function returning events (or writes)
per second on the backend that ``BackendSettings`` selects.

Run by hand: ``.venv/bin/python -m bench.kit_bench embedded|kafka`` (kafka needs
``rumah infra up``); the bench runner imports the functions.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path

from services.kit.backends import BackendSettings, open_backends
from services.kit.outbox import OutboxRelay
from services.kit.ports import DocumentStore, OutboxEntry

PAYLOAD = b'{"specversion":"1.0","type":"bench","data":{"status":"diproses"}}' + b" " * 300


def _settings(backend: str, data_dir: Path) -> BackendSettings:
    return BackendSettings(
        backend=backend,  # type: ignore[arg-type]
        data_dir=data_dir,
    )


def _fresh_db() -> str:
    return f"bench_{uuid.uuid4().hex[:8]}"


async def _drop(settings: BackendSettings, store: DocumentStore) -> None:
    if settings.backend == "kafka":
        await store.db.client.drop_database(store.db.name)  # type: ignore[attr-defined]


async def produce_rate(settings: BackendSettings, n: int = 20_000, batch: int = 500) -> float:
    """Raw ``publish_many`` rate (records/s), keys spread over 1,000 entities."""
    topic = f"bench.produce.{uuid.uuid4().hex[:8]}"
    async with open_backends(settings) as (store, log):
        await log.ensure_topic(topic, settings.log_partitions)
        await log.publish(topic, "warmup", PAYLOAD)
        started = time.perf_counter()
        for i in range(0, n, batch):
            await log.publish_many(topic, [(f"e{j % 1000}", PAYLOAD) for j in range(i, i + batch)])
        return n / (time.perf_counter() - started)


async def _write(store: DocumentStore, n: int, concurrency: int, topic: str | None) -> float:
    coll = store.collection("bench")

    async def writer(w: int) -> None:
        for i in range(w, n, concurrency):
            outbox = [OutboxEntry(f"ev{i}", topic, f"d{i}", PAYLOAD)] if topic else []
            await coll.put(
                {"_id": f"d{i}", "n": i, "status": "diproses"}, expected_version=0, outbox=outbox
            )

    started = time.perf_counter()
    await asyncio.gather(*(writer(w) for w in range(concurrency)))
    return n / (time.perf_counter() - started)


async def store_write_rate(
    settings: BackendSettings, n: int = 5_000, concurrency: int = 32
) -> float:
    """Versioned inserts per second (``put`` with ``expected_version=0``, no outbox)."""
    async with open_backends(settings, db=_fresh_db()) as (store, _):
        try:
            return await _write(store, n, concurrency, None)
        finally:
            await _drop(settings, store)


async def relay_throughput(
    settings: BackendSettings, n: int = 10_000, concurrency: int = 32
) -> dict[str, float]:
    """Events/s through one service: ``write+relay`` (puts with an outbox entry while the relay
    runs, until the outbox is empty) and ``relay_only`` (draining a pre-filled outbox)."""
    topic = f"bench.relay.{uuid.uuid4().hex[:8]}"
    async with open_backends(settings, db=_fresh_db()) as (store, log):
        try:
            await log.ensure_topic(topic, settings.log_partitions)
            started = time.perf_counter()
            async with OutboxRelay(store, log, poll_interval_s=0.2):
                await _write(store, n, concurrency, topic)
                while await store.outbox_pending(1):  # noqa: ASYNC110 - measuring the drain
                    await asyncio.sleep(0.01)
            through = n / (time.perf_counter() - started)

            await _write_prefilled(store, n, concurrency, topic)
            relay = OutboxRelay(store, log)
            started = time.perf_counter()
            while await relay.drain_once():
                pass
            relay_only = n / (time.perf_counter() - started)
        finally:
            await _drop(settings, store)
    return {"write+relay": through, "relay_only": relay_only}


async def _write_prefilled(store: DocumentStore, n: int, concurrency: int, topic: str) -> None:
    coll = store.collection("bench_pre")

    async def writer(w: int) -> None:
        for i in range(w, n, concurrency):
            entry = OutboxEntry(f"pre{i}", topic, f"p{i}", PAYLOAD)
            await coll.put({"_id": f"p{i}", "n": i}, expected_version=0, outbox=[entry])

    await asyncio.gather(*(writer(w) for w in range(concurrency)))


async def run_all(backend: str) -> dict[str, float]:
    """Every kit benchmark on one backend."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = _settings(backend, Path(tmp))
        results = {
            "produce_per_s": await produce_rate(settings),
            "store_writes_per_s": await store_write_rate(settings),
        }
        relay = await relay_throughput(settings)
        results["relay_write_through_per_s"] = relay["write+relay"]
        results["relay_only_per_s"] = relay["relay_only"]
        return results


if __name__ == "__main__":
    for name, value in asyncio.run(
        run_all(sys.argv[1] if len(sys.argv) > 1 else "embedded")
    ).items():
        print(f"{name:28} {value:10.0f}")
