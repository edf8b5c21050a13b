"""The write path end to end: upstream change → canonical state → status event on the log.

One licensing service (``services/licensing``) runs in-process on the chosen backend: its
SiCantik simulator makes ``rate`` random workflow changes per second, each change is
delivered the way the push webhook delivers it (batches of up to ``batch`` records through
``ServiceRuntime.ingest``), and the service's outbox relay publishes the events. The event
log is wrapped so the moment ``publish_many`` returns (the event is durable on the log) is
recorded; change-to-event latency is that moment minus the moment the simulator made the
change. Measured in the same run, side by side:

* ``produce``: the raw ``publish_many`` rate of the event log (batches of 500, event-sized);
* ``store_one``: the fastest correct single-document write the engine allows (SQLite: one
  transaction per row; MongoDB/FerretDB: ``insert_one``), through the driver, not the port;
* ``store_update``: an update of one existing document by ``_id`` (the engine's cost of a
  state change);
* ``store_many``: batched inserts (SQLite: 200 rows per transaction; MongoDB: ``insert_many``).

After the run the topic is read back and checked: every entity's events form one unbroken
chain (each ``from`` is the previous ``to``, versions increase), the last one matches the
stored state, and no event id appears twice.

    .venv/bin/python -m bench.write_path [--backend embedded|kafka] [--rate N]
        [--duration S] [--batch 200] [--profile out.html] [--no-baselines]

``await run(backend=..., rate=..., duration_s=...)`` returns the same numbers as a dict
(the ``make bench`` runner calls it).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

from services.kit.backends import BackendSettings, open_backends
from services.kit.converters import ddmmyyyy_time
from services.kit.outbox import OutboxRelay
from services.kit.ports import DocumentStore, EventLog, LogPosition, read_to_end
from services.kit.runtime import build_runtime
from services.kit.settings import ServiceSettings
from services.kit.simulator.core import Simulator
from services.kit.simulator.table import Record
from services.licensing.bootstrap import SPEC
from services.licensing.upstream.workflow import RESOURCE, WORKFLOW

STATUS_EVENT = "id.go.serdangbedagaikab.licensing.permit.status_changed"


# --------------------------------------------------------------------------- timing the log
class TimedLog:
    """The real event log; records when each published event became durable."""

    def __init__(self, inner: EventLog) -> None:
        self._inner = inner
        self.published: list[tuple[float, bytes]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def publish_many(
        self, topic: str, items: Sequence[tuple[str, bytes]]
    ) -> list[LogPosition]:
        positions = await self._inner.publish_many(topic, items)
        now = time.perf_counter()
        self.published.extend((now, value) for _, value in items)
        return positions


def _stamp_key(diubah_pada: str) -> str:
    """The ``upstreamChangedAt`` an event carries for a change stamped ``diubah_pada``."""
    return ddmmyyyy_time(diubah_pada).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --------------------------------------------------------------------------- the driver
# The simulator runs in its own process, as ``rumah service simulate`` does, so its CPU time
# is not charged to the service; changes reach the service in batches, like the webhook.
def _simulate(conn: Connection, rate: float, duration_s: float, seed: int) -> None:
    """Child process: ``rate`` random workflow changes per second, sent every 5 ms as
    ``[(perf_counter at the change, record), …]`` (CLOCK_MONOTONIC is system-wide)."""
    sim = Simulator(WORKFLOW, seed=seed)
    out: list[tuple[float, Record]] = []
    sim.listeners.append(lambda resource, rec: out.append((time.perf_counter(), rec)))
    conn.send([rec for rec in sim.table(RESOURCE).records.values()])  # the initial sync
    conn.recv()  # go
    owed, start = 0.0, time.perf_counter()
    last = start
    while (now := time.perf_counter()) - start < duration_s:
        owed += (now - last) * rate
        last = now
        while owed >= 1.0:
            owed -= 1.0
            sim.act_randomly()
        if out:
            conn.send(out)
            out = []
        time.sleep(0.005)
    conn.send(None)
    conn.close()


@dataclass
class Driven:
    changes: int = 0
    changed_at: dict[str, float] = field(default_factory=dict)  # upstreamChangedAt → t
    queue: list[Record] = field(default_factory=list)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    done: asyncio.Event = field(default_factory=asyncio.Event)

    async def pump(self, conn: Connection) -> None:
        """Receive the simulator's batches (a blocking read in a worker thread: an event
        loop reader would make the pipe non-blocking and break ``recv`` mid-message)."""
        while True:
            try:
                batch = await asyncio.to_thread(conn.recv)
            except EOFError:
                batch = None
            if batch is None:
                self.done.set()
                self.wake.set()
                return
            for at, rec in batch:
                self.changes += 1
                self.changed_at[_stamp_key(rec["diubah_pada"])] = at
                self.queue.append(rec)
            self.wake.set()


async def _deliver(ingest: Any, driven: Driven, batch: int) -> None:
    """What the push webhook does: batches of changed records, one request at a time."""
    while True:
        if not driven.queue:
            if driven.done.is_set():
                return
            driven.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(driven.wake.wait(), 0.1)
            continue
        records, driven.queue[:batch] = driven.queue[:batch], []
        await ingest(RESOURCE, records)


# --------------------------------------------------------------------------- one run
def _settings(backend: str, data_dir: Path) -> BackendSettings:
    return BackendSettings(
        backend=backend,  # type: ignore[arg-type]
        data_dir=data_dir,
        mongo_db=f"bench_wp_{uuid.uuid4().hex[:8]}",
        op_timeout_s=30.0,
    )


async def _drop(settings: BackendSettings, store: DocumentStore) -> None:
    if settings.backend == "kafka":
        await store.db.client.drop_database(store.db.name)  # type: ignore[attr-defined]


def _say(what: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {what}", file=sys.stderr, flush=True)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def write_path(
    backends: BackendSettings,
    *,
    rate: float,
    duration_s: float,
    batch: int = 200,
    inflight: int = 1,
    seed_permits: int = 240,
    drain_timeout_s: float = 120.0,
) -> dict[str, Any]:
    """Drive the licensing service at ``rate`` changes/s; events/s and latency percentiles."""
    prefix = f"bench{uuid.uuid4().hex[:8]}"
    settings = ServiceSettings(
        pull=False, db=backends.mongo_db, topic_prefix=prefix, backends=backends
    )
    topic = SPEC.topic("permit", prefix)
    async with open_backends(backends, db=backends.mongo_db) as (store, raw_log):
        log = TimedLog(raw_log)
        try:
            rt = build_runtime(SPEC, settings, store, log)  # type: ignore[arg-type]
            await rt.prepare()
            ctx = multiprocessing.get_context("spawn")
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_simulate, args=(child, rate, duration_s, 20170717))
            proc.start()
            seed = await asyncio.to_thread(parent.recv)
            driven = Driven()
            async with OutboxRelay(store, log) as relay:  # type: ignore[arg-type]
                _say(f"first sync of {min(len(seed), seed_permits)} permits")
                for i in range(0, len(seed[:seed_permits]), batch):  # the first sync
                    await rt.ingest(RESOURCE, seed[i : i + batch])
                await _drained(store, relay, drain_timeout_s)
                _say(f"driving {rate:.0f} changes/s for {duration_s:.0f} s")
                log.published.clear()
                started = time.perf_counter()
                parent.send("go")
                pumping = asyncio.create_task(driven.pump(parent))
                delivering = asyncio.gather(
                    *(_deliver(rt.ingest, driven, batch) for _ in range(inflight))
                )
                await pumping
                offered_end = time.perf_counter()
                await delivering
                _say(f"offered {driven.changes} changes; draining")
                await _drained(store, relay, drain_timeout_s)
                drained = time.perf_counter()
            await asyncio.to_thread(proc.join)
            parent.close()
            _say("reading the topic back")
            checked = await _check(store, raw_log, topic)
        finally:
            await _drop(backends, store)
    return _summarise(log.published, driven, started, offered_end, drained, rate, checked)


async def _drained(store: DocumentStore, relay: OutboxRelay, timeout_s: float) -> None:
    """Wait until the relay's queue is empty, then until the store has nothing pending
    (scanning the store is expensive on FerretDB: only once the queue is empty)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if relay.queued:
            await asyncio.sleep(0.01)
        elif await store.outbox_pending(1):
            await asyncio.sleep(0.5)
        else:
            return


def _summarise(
    published: list[tuple[float, bytes]],
    driven: Driven,
    started: float,
    offered_end: float,
    drained: float,
    rate: float,
    checked: dict[str, Any],
) -> dict[str, Any]:
    latencies: list[float] = []
    in_window = 0
    for at, value in published:
        if at <= offered_end:
            in_window += 1
        event = orjson.loads(value)
        if event["type"] != STATUS_EVENT:
            continue
        changed = driven.changed_at.get(event["data"].get("upstreamChangedAt") or "")
        if changed is not None:
            latencies.append((at - changed) * 1000)
    window = offered_end - started
    return {
        "offered_changes_per_s": rate,
        "changes": driven.changes,
        "events": len(published),
        "events_per_s": len(published) / (drained - started),
        "events_per_s_while_offered": in_window / window,
        "drain_s": drained - offered_end,
        "p50_ms": _pct(latencies, 0.50),
        "p99_ms": _pct(latencies, 0.99),
        "max_ms": max(latencies, default=float("nan")),
        "mean_ms": statistics.fmean(latencies) if latencies else float("nan"),
        **checked,
    }


async def _check(store: DocumentStore, log: EventLog, topic: str) -> dict[str, Any]:
    """Read the topic back: chains unbroken, last event = stored status, no duplicate id."""
    ids: set[str] = set()
    duplicates = 0
    chains: dict[str, list[dict[str, Any]]] = defaultdict(list)
    async for records in read_to_end(log, [topic]):
        for r in sorted(records, key=lambda r: (r.partition, r.offset)):
            event = orjson.loads(r.value)
            if event["id"] in ids:
                duplicates += 1
                continue
            ids.add(event["id"])
            if event["type"] == STATUS_EVENT:
                chains[event["subject"]].append(event)
    broken = 0
    permits = store.collection("permit")
    stored = await permits.get_many(list(chains))
    for subject, events in chains.items():
        prev_to, prev_v = None, 0
        for ev in events:
            if ev["data"]["from"] != prev_to or ev["entityversion"] <= prev_v:
                broken += 1
            prev_to, prev_v = ev["data"]["to"], ev["entityversion"]
        if stored.get(subject, {}).get("status") != prev_to:
            broken += 1
    return {
        "log_events": len(ids),
        "duplicate_ids": duplicates,
        "broken_chains": broken,
        "pending_left": len(await store.outbox_pending(1)),
    }


# --------------------------------------------------------------------------- baselines
async def produce_baseline(log: EventLog, payload: bytes, n: int = 20_000) -> float:
    """Raw ``publish_many`` records/s (batches of 500, keys over 1,000 entities)."""
    topic = f"bench.produce.{uuid.uuid4().hex[:8]}"
    await log.ensure_topic(topic, 3)
    await log.publish(topic, "warmup", payload)
    started = time.perf_counter()
    for i in range(0, n, 500):
        await log.publish_many(topic, [(f"e{j % 1000}", payload) for j in range(i, i + 500)])
    return n / (time.perf_counter() - started)


def _doc(i: int) -> dict[str, Any]:
    return {"_id": f"d{i}", "_v": 1, "status": "submitted", "n": i, "pad": "x" * 400}


async def sqlite_baselines(path: Path, n: int = 3000) -> dict[str, float]:
    """Raw sqlite3 (WAL, synchronous=NORMAL) in one worker thread, as the adapter runs."""

    def bench() -> dict[str, float]:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (id TEXT PRIMARY KEY, v INTEGER, body TEXT)")
        body = lambda i: orjson.dumps(_doc(i)).decode()  # noqa: E731
        out: dict[str, float] = {}
        started = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("INSERT INTO t VALUES (?, 1, ?)", (f"d{i}", body(i)))
            conn.execute("COMMIT")
        out["store_one"] = n / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("UPDATE t SET v = v + 1, body = ? WHERE id = ?", (body(i), f"d{i}"))
            conn.execute("COMMIT")
        out["store_update"] = n / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(n, 11 * n, 200):
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(
                "INSERT INTO t VALUES (?, 1, ?)", [(f"d{j}", body(j)) for j in range(i, i + 200)]
            )
            conn.execute("COMMIT")
        out["store_many"] = 10 * n / (time.perf_counter() - started)
        conn.close()
        return out

    return await asyncio.to_thread(bench)


async def mongo_baselines(url: str, n: int = 600, concurrency: int = 8) -> dict[str, float]:
    """Raw PyMongo: ``insert_one`` (``concurrency`` in flight), ``update_one`` by ``_id``
    (one at a time, and ``concurrency`` in flight as the store updates a batch: FerretDB on
    PostgreSQL commits concurrent updates together), ``insert_many``."""
    from pymongo import AsyncMongoClient

    name = f"bench_raw_{uuid.uuid4().hex[:8]}"
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, timeoutMS=60_000)
    coll = client[name]["t"]
    out: dict[str, float] = {}
    try:
        await coll.insert_one({"_id": "warmup"})

        async def inserter(w: int) -> None:
            for i in range(w, n, concurrency):
                await coll.insert_one(_doc(i))

        started = time.perf_counter()
        await asyncio.gather(*(inserter(w) for w in range(concurrency)))
        out["store_one"] = n / (time.perf_counter() - started)
        m = n // 3
        started = time.perf_counter()
        for i in range(m):
            await coll.update_one(
                {"_id": f"d{i}"}, {"$set": {"status": "verified"}, "$inc": {"_v": 1}}
            )
        out["store_update"] = m / (time.perf_counter() - started)

        async def updater(w: int) -> None:  # as the store updates a batch: a few in flight
            for i in range(m + w, 2 * m, concurrency):
                await coll.update_one(
                    {"_id": f"d{i}"}, {"$set": {"status": "verified"}, "$inc": {"_v": 1}}
                )

        started = time.perf_counter()
        await asyncio.gather(*(updater(w) for w in range(concurrency)))
        out["store_update_concurrent"] = m / (time.perf_counter() - started)
        started = time.perf_counter()
        for i in range(n, 11 * n, 200):
            await coll.insert_many([_doc(j) for j in range(i, i + 200)], ordered=False)
        out["store_many"] = 10 * n / (time.perf_counter() - started)
    finally:
        await client.drop_database(name)
        await client.close()
    return out


async def baselines(backends: BackendSettings, payload: bytes) -> dict[str, float]:
    async with open_backends(backends, db=backends.mongo_db) as (store, log):
        out = {"produce": await produce_baseline(log, payload)}
        await _drop(backends, store)
    if backends.backend == "kafka":
        out |= await mongo_baselines(backends.mongo_url)
    else:
        out |= await sqlite_baselines(backends.data_dir / f"raw_{uuid.uuid4().hex[:6]}.sqlite3")
    return out


_PAYLOAD = orjson.dumps(
    {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "source": "/services/licensing",
        "type": STATUS_EVENT,
        "subject": "503/0001/DPMPTSP/2026",
        "time": "2026-01-01T00:00:00.000Z",
        "datacontenttype": "application/json",
        "entityversion": 2,
        "opd": "DPMPTSP",
        "data": {
            "permitId": "503/0001/DPMPTSP/2026",
            "from": "submitted",
            "to": "verified",
            "permitType": "PBG",
            "verifierPositionId": "4041",
            "submittedOn": "2026-01-01",
            "slaDeadline": "2026-02-01",
            "decidedOn": None,
            "upstreamChangedAt": "2026-01-01T00:00:00.000000Z",
        },
    }
)


# --------------------------------------------------------------------------- entry points
@contextlib.asynccontextmanager
async def _profiled(path: str | None) -> AsyncIterator[None]:
    if path is None:
        yield
        return
    from pyinstrument import Profiler  # optional: pip install pyinstrument==5.1.3

    profiler = Profiler(async_mode="disabled", interval=0.001)
    profiler.start()
    try:
        yield
    finally:
        profiler.stop()
        text = (
            profiler.output_html()
            if path.endswith(".html")
            else profiler.output_text(unicode=True, show_all=False)
        )
        await asyncio.to_thread(Path(path).write_text, text)


DEFAULTS = {"embedded": (2000.0, 20.0), "kafka": (60.0, 10.0)}  # (changes/s, seconds)


async def run(
    backend: str = "embedded",
    *,
    rate: float | None = None,
    duration_s: float | None = None,
    batch: int = 200,
    inflight: int = 1,
    with_baselines: bool = True,
    profile: str | None = None,
    data_dir: Path | None = None,
) -> dict[str, Any]:
    """The write path and (unless told not to) its baselines, measured in one run.

    ``rate`` and ``duration_s`` default per backend (``DEFAULTS``): about a minute in all.
    """
    default_rate, default_duration = DEFAULTS[backend]
    rate = default_rate if rate is None else rate
    duration_s = default_duration if duration_s is None else duration_s
    with tempfile.TemporaryDirectory() as tmp:
        backends = _settings(backend, data_dir or Path(tmp))
        result: dict[str, Any] = {"backend": backend, "load_before": os.getloadavg()[0]}
        if with_baselines:
            _say("baselines")
            result["baselines"] = await baselines(backends, _PAYLOAD)
        async with _profiled(profile):
            result["write_path"] = await write_path(
                backends, rate=rate, duration_s=duration_s, batch=batch, inflight=inflight
            )
        result["load_after"] = os.getloadavg()[0]
    return result


def table(result: dict[str, Any]) -> str:
    wp, base = result["write_path"], result.get("baselines", {})
    lines = [
        f"write path on {result['backend']} (load avg {result['load_before']:.1f} → "
        f"{result['load_after']:.1f})",
        f"  offered {wp['offered_changes_per_s']:.0f} changes/s, {wp['changes']} changes, "
        f"{wp['events']} events",
        f"  events/s {wp['events_per_s']:8.0f}   (while offered "
        f"{wp['events_per_s_while_offered']:.0f}, drain after {wp['drain_s']:.1f} s)",
        f"  change→event  p50 {wp['p50_ms']:.0f} ms  p99 {wp['p99_ms']:.0f} ms  "
        f"max {wp['max_ms']:.0f} ms",
        f"  check: {wp['log_events']} on the log, {wp['duplicate_ids']} duplicate ids, "
        f"{wp['broken_chains']} broken chains, {wp['pending_left']} pending",
    ]
    if base:
        lines.append(f"  {'baseline':34} {'per s':>9} {'write path / baseline':>22}")
        names = {
            "produce": "raw publish_many (500/batch)",
            "store_one": "raw single-doc insert",
            "store_update": "raw single-doc update by _id",
            "store_update_concurrent": "raw update by _id, 8 in flight",
            "store_many": "raw batched insert (200/batch)",
        }
        for key, label in names.items():
            if key in base:
                ratio = wp["events_per_s"] / base[key]
                lines.append(f"  {label:34} {base[key]:9.0f} {ratio:22.2f}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["embedded", "kafka"], default="embedded")
    parser.add_argument("--rate", type=float, default=None, help="upstream changes per second")
    parser.add_argument("--duration", type=float, default=None, help="seconds of load")
    parser.add_argument("--batch", type=int, default=200, help="records per delivery")
    parser.add_argument("--inflight", type=int, default=1, help="deliveries in flight")
    parser.add_argument("--profile", help="write a pyinstrument profile (.html or .txt)")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--json", action="store_true", help="print the numbers as JSON")
    args = parser.parse_args(argv)
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        uvloop = None  # type: ignore[assignment]
    coro = run(
        args.backend,
        rate=args.rate,
        duration_s=args.duration,
        batch=args.batch,
        inflight=args.inflight,
        with_baselines=not args.no_baselines,
        profile=args.profile,
    )
    result = uvloop.run(coro) if uvloop else asyncio.run(coro)
    print(orjson.dumps(result, option=orjson.OPT_INDENT_2).decode() if args.json else table(result))


if __name__ == "__main__":
    main(sys.argv[1:])
