"""Ledger benchmarks; each returns a dict of numbers (printed as JSON when run by hand).

``.venv/bin/python -m bench.ledger_bench kafka [EVENTS]`` — on Kafka + FerretDB (``rumah
infra up``): publish EVENTS valid status events, then in the same run measure the raw
consume rate (a plain reader polling every record, and the same reader also validating
each event as the consumer does) and the ledger's sustained append rate (the kit consumer
in batch mode → dedupe, claim, chain, insert, commit) over the same records; then verify.

``.venv/bin/python -m bench.ledger_bench verify [ENTRIES]`` — on the embedded SQLite store:
append ENTRIES entries (default 1,000,000) and time ``verify`` over all of them.

Change → subscriber latency (through the gateway, real processes) is ``bench.change_latency``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from services.kit.backends import BackendSettings, open_backends
from services.kit.consumer import EventConsumer
from services.kit.envelope import Event, encode, load_schemas
from services.kit.ports import EventLog, LogRecord, StartAt
from services.ledger.core import open_ledger
from services.ledger.settings import LedgerSettings
from services.ledger.testing import mutation_event, permit_event, topic_of


def _events(n: int) -> list[Event]:
    return [permit_event(i) if i % 4 else mutation_event(i) for i in range(n)]


async def _publish(log: EventLog, prefix: str, events: Sequence[Event]) -> dict[str, Any]:
    by_topic: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    for ev in events:
        by_topic[topic_of(ev, prefix)].append((ev["subject"], encode(ev)))
    started = time.perf_counter()
    for topic, items in by_topic.items():
        for i in range(0, len(items), 500):
            await log.publish_many(topic, items[i : i + 500])
    return {
        "topics": sorted(by_topic),
        "publish_per_s": len(events) / (time.perf_counter() - started),
    }


async def _raw_consume(log: EventLog, topics: list[str], n: int, validate: bool) -> float:
    schemas = load_schemas()
    seen = 0
    async with log.subscribe(topics, start=StartAt.earliest()) as sub:
        started = time.perf_counter()
        while seen < n:
            records = await sub.poll(500, 1.0)
            if validate:
                for r in records:
                    schemas.parse(r.value)
            seen += len(records)
        return n / (time.perf_counter() - started)


async def kafka(n: int = 20_000) -> dict[str, Any]:
    """Raw consume rate vs the ledger's append rate on Kafka + FerretDB, same records."""
    tag = uuid.uuid4().hex[:8]
    backends = BackendSettings(backend="kafka")
    settings = LedgerSettings(
        backends=backends, db=f"bench_ledger_{tag}", topic_prefix=f"bench{tag}"
    )
    async with open_backends(backends, db=settings.db) as (store, log):
        try:
            published = await _publish(log, settings.topic_prefix, _events(n))
            topics = published["topics"]
            raw = await _raw_consume(log, topics, n, validate=False)
            raw_validated = await _raw_consume(log, topics, n, validate=True)
            ledger = await open_ledger(settings, store, log, writing=True)
            writer = ledger.writer
            assert writer is not None

            async def append(batch: Sequence[tuple[Event, LogRecord]]) -> None:
                await writer.append([e for e, _ in batch])

            consumer = EventConsumer(
                log,
                topics,
                group=settings.consumer_group,
                batch_handler=append,
                schemas=load_schemas(),
                max_records=settings.batch_max,
                poll_timeout_s=0.5,
            )
            stop = asyncio.Event()
            started = time.perf_counter()
            task = asyncio.create_task(consumer.run(stop))
            while writer.head.seq < n:  # noqa: ASYNC110 - a benchmark's finish line
                await asyncio.sleep(0.05)
                if task.done():
                    task.result()
            appended = n / (time.perf_counter() - started)
            stop.set()
            await task
            started = time.perf_counter()
            verified = await ledger.verify()
            verify_s = time.perf_counter() - started
            return {
                "events": n,
                "batch_max": settings.batch_max,
                "publish_per_s": round(published["publish_per_s"]),
                "raw_consume_per_s": round(raw),
                "raw_consume_validate_per_s": round(raw_validated),
                "ledger_append_per_s": round(appended),
                "ledger_vs_raw": round(appended / raw, 3),
                "verify_ok": verified.ok,
                "verify_s": round(verify_s, 2),
                "verify_per_s": round(n / verify_s),
            }
        finally:
            await store.db.client.drop_database(settings.db)  # type: ignore[attr-defined]


async def verify_embedded(n: int = 1_000_000, batch: int = 5_000) -> dict[str, Any]:
    """Time ``verify`` over ``n`` entries on the embedded SQLite store."""
    with tempfile.TemporaryDirectory() as tmp:
        backends = BackendSettings(backend="embedded", data_dir=Path(tmp))
        settings = LedgerSettings(backends=backends, db="bench_ledger", recent_window=batch)
        async with open_backends(backends, db=settings.db) as (store, log):
            ledger = await open_ledger(settings, store, log, writing=True)
            assert ledger.writer is not None
            started = time.perf_counter()
            t0 = datetime(2026, 3, 1, tzinfo=UTC)
            for start in range(0, n, batch):
                await ledger.writer.append(
                    [permit_event(i, time=t0) for i in range(start, start + batch)]
                )
            build_s = time.perf_counter() - started
            started = time.perf_counter()
            result = await ledger.verify()
            verify_s = time.perf_counter() - started
            size = await asyncio.to_thread(_size, Path(tmp))
            return {
                "entries": n,
                "append_s": round(build_s, 1),
                "append_per_s": round(n / build_s),
                "verify_ok": result.ok,
                "verified": result.checked,
                "verify_s": round(verify_s, 1),
                "verify_per_s": round(n / verify_s),
                "store_mib": round(size / 2**20),
            }


def ledger_append(events: int = 20_000) -> dict[str, Any]:
    """``make bench``: the ledger's append rate against the raw consume rate measured in the
    same run, on Kafka + FerretDB (``rumah infra up`` first). Blocking; see ``kafka``."""
    return asyncio.run(kafka(events))


def ledger_verify(entries: int = 1_000_000) -> dict[str, Any]:
    """``make bench``: ``verify`` over ``entries`` entries on the embedded store. Blocking;
    see ``verify_embedded``."""
    return asyncio.run(verify_embedded(entries))


def _size(directory: Path) -> int:
    return sum(p.stat().st_size for p in directory.glob("bench_ledger*"))


def main(argv: list[str]) -> None:
    what = argv[0] if argv else "verify"
    count = int(argv[1]) if len(argv) > 1 else None
    if what == "kafka":
        result = ledger_append(count or 20_000)
    elif what == "verify":
        result = ledger_verify(count or 1_000_000)
    else:
        raise SystemExit("usage: python -m bench.ledger_bench kafka|verify [COUNT]")
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode())


if __name__ == "__main__":
    main(sys.argv[1:])
