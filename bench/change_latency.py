"""Change latency: an upstream change in the licensing simulator → the event at a WebSocket
client subscribed through the gateway (issue 5 "Speed": p50/p99, target p99 < 1 s).

Real processes, as ``rumah run`` starts them (``rumah.supervisor``: own process groups,
killed with the bench, SIGTERM then SIGKILL): the licensing simulator, the licensing service,
the ledger and the gateway (``rumah gateway serve --supergraph schemas/supergraph.graphql``,
every routing URL moved by ``RUMAH_GATEWAY_SUBGRAPH_URLS``). Ports are the catalog's plus
``port_offset`` (500: simulator 4604, service 4504, ledger 4507, gateway 4500), data in a
temporary directory, databases and topics named per run — so the bench runs beside a
developer's ``rumah run``. On Kafka (``rumah infra up``) the run's topics and databases are
dropped afterwards. The gateway gets one auditor token (``RUMAH_GATEWAY_TOKENS``).

The client subscribes to ``changes(filter: {service: "licensing"})`` over
graphql-transport-ws. Once the feed is live (warm-up changes until one arrives; not
counted), ``changes`` permits are submitted (``POST /_admin/aksi/ajukan``: each a new permit,
so one ``status_changed`` event whose subject is the new permit number) at ``rate`` per
second, then optionally a ``burst`` as fast as the admin API answers. Latency = the
moment the change request was sent → the moment its entry arrived at the client (one clock,
this process). A change whose event did not arrive ``timeout_s`` after the last one was sent
is counted ``missing``. Each entry also carries when the service recorded the event
(``event.time``) and when the ledger appended it (``recordedAt``), which splits the latency
into three legs: simulator → service (webhook push, ingest), service → ledger (outbox relay,
event log, ledger consumer, append), ledger → client (live feed, gateway, WebSocket).

Tuning variables (``RUMAH_LICENSING_POLL_INTERVAL_S``, ``RUMAH_LEDGER_BATCH_MAX``, …) set in
the environment, or given as ``settings``/``--set NAME=VALUE``, reach the children; ports,
data directory, databases, topic prefix and tokens are always the bench's own.

    .venv/bin/python -m bench.change_latency [--backend embedded|kafka] [--changes N]
        [--rate R] [--burst B] [--timeout S] [--port-offset N] [--set RUMAH_X=Y]…
        [--probe-log] [--keep-logs DIR] [--json]

Measured on the shared 2-core box (200 changes at 20/s; load 2–6): embedded p50 20–26 ms,
p99 50–76 ms, the service → ledger leg dominating (the local log's cross-process poll backs
off to 100 ms between records). Kafka + FerretDB p50 40 ms–2 s, p99 0.18–3.8 s from run to
run: nearly every leg is FerretDB round trips, and at 20 changes/s the pipeline's own writes
bring FerretDB close to saturation, so latency follows whatever else uses it.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import aiohttp
import orjson
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from rumah.common.settings import load_settings
from rumah.supervisor import ProcessSpec, Supervisor, _die_with_parent
from services.kit.test_credentials import SigningKeys

ROOT = Path(__file__).resolve().parent.parent
SUPERGRAPH = ROOT / "schemas" / "supergraph.graphql"
KEYS = SigningKeys()  # the gateway signs subgraph credentials; the subgraphs trust its key
TARGET_P99_MS = 1000.0
RUN_LIMIT_S = 100.0  # start-up to measured end; stopping and dropping add ≤ 20 s
QUERY = """subscription BenchChanges {
  changes(filter: {service: "licensing"}) {
    seq recordedAt
    event { id type subject time entityVersion }
  }
}"""
# Start-up variables that belong to the bench, never inherited from the caller's shell.
_OWN = ("PORT", "HOST", "DB", "TOPIC_PREFIX", "UPSTREAM_URL", "WEBHOOK_URL", "DATA_DIR")


@dataclass
class _Change:
    subject: str
    sent: float  # monotonic, before the request
    sent_wall: float  # time.time() at the same moment
    arrived: float | None = None
    legs: tuple[float, float, float] | None = None  # ms: sim→service, service→ledger, →client
    log_legs: tuple[float, float] | None = None  # ms: service→log, log→ledger (with the probe)


@dataclass
class _Feed:
    """What the subscription delivered, by event subject (first arrival only)."""

    arrivals: dict[str, tuple[float, float, dict[str, Any]]] = field(default_factory=dict)
    frames: int = 0
    waiters: dict[str, asyncio.Event] = field(default_factory=dict)
    error: str | None = None
    published: dict[str, float] = field(default_factory=dict)  # subject → record timestamp
    store_ms: list[float] = field(default_factory=list)  # the probe's upserts (Kafka only)

    def expect(self, subject: str) -> asyncio.Event:
        event = self.waiters.setdefault(subject, asyncio.Event())
        if subject in self.arrivals:
            event.set()
        return event


def change_latency(
    backend: str = "embedded",
    changes: int = 200,
    rate: float = 20.0,
    *,
    burst: int = 0,
    timeout_s: float = 10.0,
    port_offset: int = 500,
    settings: Mapping[str, str] | None = None,
    probe_log: bool = False,
    keep_logs: str | Path | None = None,
) -> dict[str, Any]:
    """Run the benchmark (blocking, < 2 min) and return its numbers: ``p50_ms``, ``p90_ms``,
    ``p99_ms``, ``max_ms``, ``count`` (arrived), ``missing``, ``backend``, the three legs
    (``legs``), the burst's own numbers when ``burst`` > 0, and what the run used.

    ``probe_log``: the bench also reads the licensing topic itself, so the service → ledger
    leg splits at the record's log timestamp into service → log (store write, outbox relay)
    and log → ledger (produce acknowledgement, ledger consumer fetch, intent and claim
    writes). Off by default: it adds a reader to the machine being measured.
    ``keep_logs``: copy the children's logs to this directory at the end."""
    if backend not in ("embedded", "kafka"):
        raise ValueError("backend must be 'embedded' or 'kafka'")
    if changes < 1 or rate <= 0:
        raise ValueError("changes must be ≥ 1 and rate > 0")
    return asyncio.run(
        _main(
            backend,
            changes,
            rate,
            burst,
            timeout_s,
            port_offset,
            dict(settings or {}),
            probe_log,
            keep_logs,
        )
    )


async def _main(
    backend: str,
    changes: int,
    rate: float,
    burst: int,
    timeout_s: float,
    offset: int,
    settings: dict[str, str],
    probe_log: bool,
    keep_logs: str | Path | None,
) -> dict[str, Any]:
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    terminated: list[int] = []

    def on_sigterm() -> None:
        terminated.append(signal.SIGTERM)
        if task is not None:
            task.cancel()

    handled = False
    if task is not None:  # SIGTERM cancels like Ctrl-C does: children stopped, files removed
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, on_sigterm)
            handled = True
    try:
        async with asyncio.timeout(RUN_LIMIT_S):
            return await _run(
                backend, changes, rate, burst, timeout_s, offset, settings, probe_log, keep_logs
            )
    except asyncio.CancelledError:
        if terminated:
            raise SystemExit(128 + signal.SIGTERM) from None
        raise
    finally:
        if handled:
            loop.remove_signal_handler(signal.SIGTERM)


def _ports(offset: int) -> dict[str, int]:
    """Every subgraph's port (the gateway routes all seven here), the gateway's and the
    licensing simulator's, moved by ``offset``."""
    from services.catalog import ALL_ENTRIES, GATEWAY_PORT, entry

    ports = {e.name: e.port + offset for e in ALL_ENTRIES}
    ports["gateway"] = GATEWAY_PORT + offset
    ports["licensing-upstream"] = (entry("licensing").simulator_port or 4104) + offset
    return ports


def _check_free(ports: Mapping[str, int]) -> None:
    for name, port in ports.items():
        if name not in ("licensing", "licensing-upstream", "ledger", "gateway"):
            continue
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                raise RuntimeError(f"port {port} ({name}) is in use: pick another --port-offset")


def _specs(
    backend: str,
    ports: Mapping[str, int],
    data_dir: Path,
    tag: str,
    token: str,
    settings: Mapping[str, str],
) -> list[ProcessSpec]:
    rumah = [sys.executable, "-m", "rumah.cli"]
    url = "http://127.0.0.1:{}".format
    routing = {
        name: f"{url(p)}/graphql"
        for name, p in ports.items()
        if name not in ("gateway", "licensing-upstream")
    }
    env = {
        **settings,
        "RUMAH_BACKEND": backend,
        "RUMAH_DATA_DIR": str(data_dir),
        "RUMAH_MONGO_DB": f"bench_{tag}",
        "RUMAH_LICENSING_SIM_PORT": str(ports["licensing-upstream"]),
        "RUMAH_LICENSING_SIM_RATE": settings.get("RUMAH_LICENSING_SIM_RATE", "0"),
        "RUMAH_LICENSING_SIM_PUSH": settings.get("RUMAH_LICENSING_SIM_PUSH", "true"),
        "RUMAH_LICENSING_SIM_WEBHOOK_URL": f"{url(ports['licensing'])}/webhook",
        "RUMAH_LICENSING_PORT": str(ports["licensing"]),
        "RUMAH_LICENSING_UPSTREAM_URL": url(ports["licensing-upstream"]),
        "RUMAH_LICENSING_DB": f"bench_{tag}_licensing",
        "RUMAH_LICENSING_TOPIC_PREFIX": f"bench{tag}",
        "RUMAH_LICENSING_LOG_LEVEL": settings.get("RUMAH_LICENSING_LOG_LEVEL", "WARNING"),
        "RUMAH_LEDGER_PORT": str(ports["ledger"]),
        "RUMAH_LEDGER_DB": f"bench_{tag}_ledger",
        "RUMAH_LEDGER_TOPIC_PREFIX": f"bench{tag}",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS": KEYS.public_pem,
        "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": KEYS.private_pem,
        "RUMAH_LEDGER_LOG_LEVEL": settings.get("RUMAH_LEDGER_LOG_LEVEL", "WARNING"),
        "RUMAH_GATEWAY_SUBGRAPH_URLS": json.dumps(routing),
        "RUMAH_GATEWAY_TOKENS": json.dumps({token: {"role": "auditor", "name": "bench"}}),
        "RUMAH_GATEWAY_HOT_RELOAD": "false",
        "RUMAH_GATEWAY_ACCESS_TOPIC_PREFIX": f"bench{tag}",
        "RUMAH_GATEWAY_LOG_LEVEL": settings.get("RUMAH_GATEWAY_LOG_LEVEL", "warning"),
    }
    ready = 45.0
    return [
        ProcessSpec(
            "licensing-upstream",
            [*rumah, "service", "simulate", "licensing"],
            health_url=f"{url(ports['licensing-upstream'])}/health",
            env=env,
            ready_timeout_s=ready,
        ),
        ProcessSpec(
            "licensing",
            [*rumah, "service", "serve", "licensing"],
            health_url=f"{url(ports['licensing'])}/health/ready",
            env=env,
            ready_timeout_s=ready,
        ),
        ProcessSpec(
            "ledger",
            [*rumah, "service", "serve", "ledger"],
            health_url=f"{url(ports['ledger'])}/health/ready",
            env=env,
            ready_timeout_s=ready,
        ),
        ProcessSpec(
            "gateway",
            [
                *rumah,
                "gateway",
                "serve",
                "--supergraph",
                str(SUPERGRAPH),
                "--port",
                str(ports["gateway"]),
            ],
            health_url=f"{url(ports['gateway'])}/health",
            env=env,
            ready_timeout_s=ready,
        ),
    ]


class _Children(Supervisor):
    """``rumah.supervisor.Supervisor`` (ordered start with health checks, process groups,
    ``PR_SET_PDEATHSIG``, SIGTERM → SIGKILL on stop), except that the caller's own
    location variables (``drop``: ports, databases, tokens, … of a developer's hub) are not
    inherited by the children."""

    def __init__(self, specs: list[ProcessSpec], log_dir: Path, drop: set[str]) -> None:
        super().__init__(specs, log_dir)
        self._drop = drop

    async def _spawn(self, child: Any) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        inherited = {k: v for k, v in os.environ.items() if k not in self._drop}
        out = open(self._log_path(child.spec), "ab")  # noqa: ASYNC230, SIM115 - for the child
        try:
            child.proc = await asyncio.create_subprocess_exec(
                *child.spec.argv,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
                env={**inherited, **child.spec.env},
                preexec_fn=_die_with_parent,
            )
        finally:
            out.close()


async def _run(
    backend: str,
    changes: int,
    rate: float,
    burst: int,
    timeout_s: float,
    offset: int,
    settings: dict[str, str],
    probe_log: bool,
    keep_logs: str | Path | None,
) -> dict[str, Any]:
    tag = uuid.uuid4().hex[:10]
    token = secrets.token_urlsafe(24)
    ports = _ports(offset)
    _check_free(ports)
    drop = {k for k in os.environ if k.startswith("RUMAH_") and k.endswith(_OWN)}
    drop |= {
        "RUMAH_LEDGER_GROUP",
        "RUMAH_LEDGER_ANCHOR_TOPIC",
        "RUMAH_GATEWAY_TOKENS",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS",
        "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY",
        "RUMAH_SUBGRAPH_CURSOR_KEY",
        "RUMAH_GATEWAY_SUBGRAPH_URLS",
        "RUMAH_MONGO_DB",
    }
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="rumah-latency-") as tmp:
        specs = _specs(backend, ports, Path(tmp) / "data", tag, token, settings)
        sup = _Children(specs, Path(tmp) / "log", drop)
        try:
            try:
                await sup.start()
            except RuntimeError as exc:
                raise RuntimeError(f"start-up failed: {exc}") from None
            startup_s = time.monotonic() - started
            probe = (
                _Probe(backend, Path(tmp) / "data", f"bench{tag}.licensing.permit", f"bench_{tag}")
                if probe_log
                else None
            )
            result = await _measure(ports, token, changes, rate, burst, timeout_s, probe)
        finally:
            await sup.stop(grace_s=5.0)
            if keep_logs is not None:
                shutil.copytree(Path(tmp) / "log", keep_logs, dirs_exist_ok=True)
            if backend == "kafka":
                dbs = [f"bench_{tag}_licensing", f"bench_{tag}_ledger", f"bench_{tag}"]
                await _drop_kafka_run(f"bench{tag}", dbs)
    result.update(
        backend=backend,
        changes=changes,
        rate=rate,
        timeout_s=timeout_s,
        startup_s=round(startup_s, 1),
        elapsed_s=round(time.monotonic() - started, 1),
        target_p99_ms=TARGET_P99_MS,
        settings=settings,
        ports=dict(ports),
        load_avg=round(os.getloadavg()[0], 2),
    )
    result["ok"] = result["missing"] == 0 and (result["p99_ms"] or 1e9) < TARGET_P99_MS
    return result


async def _measure(
    ports: Mapping[str, int],
    token: str,
    changes: int,
    rate: float,
    burst: int,
    timeout_s: float,
    probe: _Probe | None,
) -> dict[str, Any]:
    sim = f"http://127.0.0.1:{ports['licensing-upstream']}"
    ledger = f"http://127.0.0.1:{ports['ledger']}"
    ws_url = f"ws://127.0.0.1:{ports['gateway']}/graphql"
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        settle_s = await _settle(http, ledger)
        feed = _Feed()
        async with connect(
            ws_url,
            subprotocols=[Subprotocol("graphql-transport-ws")],
            open_timeout=10,
            close_timeout=2,
            proxy=None,
            max_queue=None,
        ) as ws:
            await _send(
                ws, {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            )
            ack = orjson.loads(await asyncio.wait_for(ws.recv(), 10))
            if ack.get("type") != "connection_ack":
                raise RuntimeError(f"gateway refused the subscription socket: {ack}")
            await _send(ws, {"id": "bench", "type": "subscribe", "payload": {"query": QUERY}})
            reader = asyncio.create_task(_read(ws, feed))
            watcher = asyncio.create_task(probe.run(feed)) if probe else None
            try:
                warm = await _warm_up(http, sim, feed, reader)
                paced = await _drive(http, sim, feed, reader, changes, rate, timeout_s)
                fast = await _drive(http, sim, feed, reader, burst, 0.0, timeout_s) if burst else []
            except Exception:
                if feed.error:
                    raise RuntimeError(feed.error) from None
                raise
            finally:
                for task in (reader, watcher):
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError, Exception):
                            await task
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(_send(ws, {"id": "bench", "type": "complete"}), 1)
    result = _stats(paced)
    result.update(warm_up_changes=warm, settle_s=round(settle_s, 1), frames=feed.frames)
    if feed.store_ms:
        writes = sorted(feed.store_ms)
        result["store_upsert_ms"] = {
            "count": len(writes),
            "p50_ms": _pct(writes, 0.5),
            "p99_ms": _pct(writes, 0.99),
            "max_ms": round(writes[-1], 1),
        }
    if burst:
        result["burst"] = {"changes": burst, **_stats(fast)}
    return result


async def _settle(http: aiohttp.ClientSession, ledger: str) -> float:
    """Until the ledger has appended the licensing service's initial sync (240 permits) and
    its head stopped moving: measured changes must not queue behind that backlog."""
    started = time.monotonic()
    last, since = -1, time.monotonic()
    while time.monotonic() - started < 40:
        async with http.get(f"{ledger}/ledger/status") as resp:
            head = (await resp.json()).get("head") or {}
        seq = int(head.get("seq") or 0)
        if seq != last:
            last, since = seq, time.monotonic()
        elif time.monotonic() - since >= 1.0 and (seq >= 240 or time.monotonic() - started > 8):
            return time.monotonic() - started  # (no initial sync: RUMAH_LICENSING_PULL=false)
        await asyncio.sleep(0.2)
    raise RuntimeError(f"the ledger did not settle after the initial sync (head {last})")


async def _send(ws: ClientConnection, message: dict[str, Any]) -> None:
    await ws.send(orjson.dumps(message).decode())


async def _read(ws: ClientConnection, feed: _Feed) -> None:
    """Record the arrival of every entry (first per subject); answer pings."""
    try:
        async for raw in ws:
            now, wall = time.monotonic(), time.time()
            message = orjson.loads(raw)
            kind = message.get("type")
            if kind == "ping":
                await _send(ws, {"type": "pong"})
                continue
            if kind != "next":
                feed.error = f"unexpected frame from the gateway: {message}"
                return
            feed.frames += 1
            payload = message["payload"]
            entry = (payload.get("data") or {}).get("changes")
            if payload.get("errors") or not entry:
                feed.error = f"subscription error: {payload}"
                return
            subject = entry["event"]["subject"]
            if subject not in feed.arrivals and entry["event"]["type"].endswith(".status_changed"):
                feed.arrivals[subject] = (now, wall, entry)
                if subject in feed.waiters:
                    feed.waiters[subject].set()
        feed.error = "the gateway closed the subscription socket"
    except ConnectionClosed as exc:
        feed.error = f"the gateway closed the subscription socket: {exc}"


async def _change(http: aiohttp.ClientSession, sim: str) -> _Change:
    sent, sent_wall = time.monotonic(), time.time()
    async with http.post(f"{sim}/_admin/aksi/ajukan", json={}) as resp:
        body = await resp.json()
        if resp.status != 200:
            raise RuntimeError(f"the simulator refused a change: {resp.status} {body}")
    return _Change(body["changed"][0]["record"]["no_permohonan"], sent, sent_wall)


async def _warm_up(
    http: aiohttp.ClientSession, sim: str, feed: _Feed, reader: asyncio.Task[None]
) -> int:
    """Changes every 0.5 s until one arrives (the gateway opens its upstream subscription to
    the ledger in the background, and ``changes`` without ``since`` is live only), then two
    more; none of them counted."""
    made, deadline = 0, time.monotonic() + 20
    while time.monotonic() < deadline:
        change = await _change(http, sim)
        made += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(feed.expect(change.subject).wait(), 0.5)
            break
        if reader.done():
            raise RuntimeError(feed.error or "the subscription reader stopped")
    else:
        raise RuntimeError(
            f"no event reached the subscriber in 20 s ({made} warm-up changes); "
            f"{feed.error or 'is the pipeline flowing?'}"
        )
    for _ in range(2):
        change = await _change(http, sim)
        made += 1
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(feed.expect(change.subject).wait(), 5)
    return made


async def _drive(
    http: aiohttp.ClientSession,
    sim: str,
    feed: _Feed,
    reader: asyncio.Task[None],
    count: int,
    rate: float,
    timeout_s: float,
) -> list[_Change]:
    """``count`` changes at ``rate``/s (0: back to back); wait for their events, at most
    ``timeout_s`` after the last was sent."""
    made: list[_Change] = []
    start = time.monotonic()
    for i in range(count):
        if rate > 0:
            pause = start + i / rate - time.monotonic()
            if pause > 0:
                await asyncio.sleep(pause)
        made.append(await _change(http, sim))
        if reader.done():
            raise RuntimeError(feed.error or "the subscription reader stopped")
    waits = [feed.expect(c.subject).wait() for c in made]
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*waits), timeout_s)
    for c in made:
        arrival = feed.arrivals.get(c.subject)
        if arrival is None:
            continue
        now, wall, entry = arrival
        c.arrived = now
        with contextlib.suppress(KeyError, ValueError, TypeError):
            recorded = _epoch(entry["event"]["time"])
            appended = _epoch(entry["recordedAt"])
            c.legs = (
                1000 * (recorded - c.sent_wall),
                1000 * (appended - recorded),
                1000 * (wall - appended),
            )
            logged = feed.published.get(c.subject)
            if logged is not None:
                c.log_legs = (1000 * (logged - recorded), 1000 * (appended - logged))
    return made


def _epoch(text: str) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def _pct(sorted_ms: list[float], q: float) -> float | None:
    """Percentile by linear interpolation between closest ranks."""
    if not sorted_ms:
        return None
    pos = (len(sorted_ms) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(sorted_ms) - 1)
    return round(sorted_ms[lo] + (sorted_ms[hi] - sorted_ms[lo]) * (pos - lo), 1)


def _stats(made: list[_Change]) -> dict[str, Any]:
    ms = sorted(1000 * (c.arrived - c.sent) for c in made if c.arrived is not None)
    out: dict[str, Any] = {
        "count": len(ms),
        "missing": len(made) - len(ms),
        "p50_ms": _pct(ms, 0.50),
        "p90_ms": _pct(ms, 0.90),
        "p99_ms": _pct(ms, 0.99),
        "max_ms": round(ms[-1], 1) if ms else None,
        "min_ms": round(ms[0], 1) if ms else None,
        "mean_ms": round(sum(ms) / len(ms), 1) if ms else None,
    }
    names = ("sim_to_service", "service_to_ledger", "ledger_to_client")
    legs = [c.legs for c in made if c.legs is not None]
    out["legs"] = {
        name: {
            "p50_ms": _pct(sorted(leg[i] for leg in legs), 0.50),
            "p99_ms": _pct(sorted(leg[i] for leg in legs), 0.99),
        }
        for i, name in enumerate(names)
    }
    split = [c.log_legs for c in made if c.log_legs is not None]
    if split:
        for i, name in enumerate(("service_to_log", "log_to_ledger")):
            out["legs"][name] = {
                "p50_ms": _pct(sorted(leg[i] for leg in split), 0.50),
                "p99_ms": _pct(sorted(leg[i] for leg in split), 0.99),
            }
    return out


@dataclass
class _Probe:
    """A plain reader of the licensing topic in the bench process: the log timestamp of each
    permit's record (Kafka: the producer's create time; local log: the publish). On Kafka it
    also times one small upsert in its own database every 200 ms: how long the document
    store (FerretDB, shared with whatever else runs) takes to answer during the run."""

    backend: str
    data_dir: Path
    topic: str
    db: str

    async def run(self, feed: _Feed) -> None:
        from services.kit.backends import BackendSettings, open_backends
        from services.kit.ports import StartAt

        settings = load_settings(BackendSettings, backend=self.backend, data_dir=self.data_dir)
        async with (
            open_backends(settings, db=self.db) as (store, event_log),
            event_log.subscribe([self.topic], start=StartAt.latest()) as sub,
        ):
            timer = asyncio.create_task(self._time_store(store, feed))
            try:
                while True:
                    for record in await sub.poll(500, 1.0):
                        if record.key is not None:
                            feed.published.setdefault(record.key, record.timestamp_ms / 1000)
            finally:
                timer.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await timer

    async def _time_store(self, store: Any, feed: _Feed) -> None:
        from services.kit.ports import ANY_VERSION

        if self.backend != "kafka":
            return
        probe = store.collection("probe")
        for n in range(1_000_000):
            started = time.monotonic()
            with contextlib.suppress(Exception):
                await probe.put({"_id": "probe", "n": n}, expected_version=ANY_VERSION)
                feed.store_ms.append(1000 * (time.monotonic() - started))
            await asyncio.sleep(0.2)


async def _drop_kafka_run(prefix: str, databases: list[str]) -> None:
    """Best effort, bounded: delete the run's topics and consumer group, drop its databases."""
    from services.kit.backends import BackendSettings

    backends = load_settings(BackendSettings)
    with contextlib.suppress(Exception):
        async with asyncio.timeout(8):
            from aiokafka.admin import AIOKafkaAdminClient

            admin = AIOKafkaAdminClient(
                bootstrap_servers=backends.kafka_bootstrap,
                request_timeout_ms=5000,
                **backends.client_options(),
            )
            await admin.start()
            try:
                topics = [t for t in await admin.list_topics() if t.startswith(prefix + ".")]
                if topics:
                    await admin.delete_topics(topics)
                with contextlib.suppress(Exception):
                    await admin.delete_consumer_groups([f"{prefix}.ledger"])
            finally:
                await admin.close()
    with contextlib.suppress(Exception):
        async with asyncio.timeout(8):
            from pymongo import AsyncMongoClient

            client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(
                backends.mongo_url, serverSelectionTimeoutMS=3000
            )
            try:
                for name in databases:
                    await client.drop_database(name)
            finally:
                await client.close()


def table(result: Mapping[str, Any]) -> str:
    """A readable summary of one run."""

    def ms(v: float | None) -> str:
        return "     –" if v is None else f"{v:8.1f}"

    lines = [
        f"change → subscriber latency, backend {result['backend']}: {result['changes']} changes "
        f"at {result['rate']:g}/s (start-up {result['startup_s']} s, "
        f"run {result['elapsed_s']} s, load {result['load_avg']})",
        f"  {'':26s} {'p50':>8s} {'p90':>8s} {'p99':>8s} {'max':>8s}  arrived  missing",
    ]

    def row(label: str, r: Mapping[str, Any]) -> str:
        return (
            f"  {label:26s} {ms(r['p50_ms'])} {ms(r['p90_ms'])} {ms(r['p99_ms'])} "
            f"{ms(r['max_ms'])}  {r['count']:7d}  {r['missing']:7d}"
        )

    lines.append(row("end to end (ms)", result))
    if "burst" in result:
        lines.append(row(f"burst of {result['burst']['changes']} (ms)", result["burst"]))
    lines.append("  legs (paced changes)          p50      p99")
    labels = {
        "sim_to_service": "simulator → service",
        "service_to_ledger": "service → ledger",
        "service_to_log": "  service → log",
        "log_to_ledger": "  log → ledger",
        "ledger_to_client": "ledger → client",
    }
    for key, label in labels.items():
        if key in result["legs"]:
            leg = result["legs"][key]
            lines.append(f"    {label:24s} {ms(leg['p50_ms'])} {ms(leg['p99_ms'])}")
    if "store_upsert_ms" in result:
        w = result["store_upsert_ms"]
        lines.append(
            f"  document store upsert (probe, every 200 ms): p50 {w['p50_ms']} ms, "
            f"p99 {w['p99_ms']} ms, max {w['max_ms']} ms"
        )
    verdict = "met" if result["ok"] else "NOT met"
    lines.append(f"  target p99 < {result['target_p99_ms']:.0f} ms, none missing: {verdict}")
    if result.get("settings"):
        lines.append(f"  settings: {result['settings']}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.change_latency", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--backend", choices=("embedded", "kafka"), default="embedded")
    parser.add_argument("--changes", type=int, default=200)
    parser.add_argument("--rate", type=float, default=20.0, help="changes per second")
    parser.add_argument("--burst", type=int, default=0, help="then this many back to back")
    parser.add_argument(
        "--timeout",
        type=float,
        default=10.0,
        help="seconds after the last change before the rest count as missing",
    )
    parser.add_argument("--port-offset", type=int, default=500)
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="RUMAH_X=VALUE",
        help="a setting for the children (repeatable)",
    )
    parser.add_argument(
        "--probe-log",
        action="store_true",
        help="also read the topic: split service → ledger at the log",
    )
    parser.add_argument("--keep-logs", metavar="DIR", help="copy the children's logs here")
    parser.add_argument("--json", action="store_true", help="print the result as JSON too")
    args = parser.parse_args(argv)
    settings = dict(s.split("=", 1) for s in args.set)
    try:
        result = change_latency(
            args.backend,
            args.changes,
            args.rate,
            burst=args.burst,
            timeout_s=args.timeout,
            port_offset=args.port_offset,
            settings=settings,
            probe_log=args.probe_log,
            keep_logs=args.keep_logs,
        )
    except KeyboardInterrupt:
        print("interrupted; every process stopped", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, ValueError) as exc:
        print(f"change_latency failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(table(result))
    if args.json:
        print(json.dumps(result, indent=2))
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
