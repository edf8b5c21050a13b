"""Process faults of the replicated pieces (docs/replicas.md), as chaos scenarios:

* ``replica-killed`` — two ``rumah service serve licensing`` replicas share the intake topic;
  ``size.changes`` permits are created, one replica is SIGKILLed a quarter of the way in,
  then every permit is changed once more (2 × ``size.changes`` changes, one event each). The
  ledger runs in this process on the same topics, so the checks are the other scenarios':
  stored versions (a permit whose two records reach the survivor in one batch is written
  once, at its newest revision: one version) = distinct ids on the topic = chained, no id
  chained twice, the chain verifies, one status event per version change ending in the
  stored status.
  ``max_recovery_s``: from the kill until every partition of the intake group committed
  again (the dead replica's partitions given to the survivor and a batch of them applied —
  the handover plus one batch).
* ``ledger-standby-takeover`` — two ``rumah service serve ledger`` processes (active +
  standby, the store lease); the active one is SIGKILLed right after appending a batch and
  before committing its offsets; the standby takes the lease and continues the ONE chain.
  ``max_recovery_s``: from the kill until the standby reports itself active.

``replica_kill`` and ``standby_takeover`` are the scenario bodies; the integration tests
(tests/integration/services/test_svc_replicas_engines.py,
tests/integration/ledger/test_ledger_standby_engines.py) call them and assert on the counts
they return. The process helpers (``Replica``, ``LedgerProcess``, ``until``…) are shared with
``bench.replicas`` and the ledger's crash tests.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp

from bench.chaos.checks import LedgerView, noloss_problems, read_ledger, until_clean
from bench.chaos.lag import publish
from bench.chaos.registry import Env, Outcome, Size, register
from bench.chaos.rig import KEYS, LIVELY_LEDGER
from bench.chaos.verdict import STATUS
from rumah.freehub import free_port
from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import Event, decode
from services.kit.intake import IntakeForwarder, intake_topic
from services.kit.ports import EventLog, PortError, read_to_end
from services.kit.testing import serve_app
from services.ledger.app import create_app as create_ledger_app
from services.ledger.core import open_ledger
from services.ledger.settings import LedgerSettings
from services.ledger.testing import mutation_event, permit_event
from services.licensing.bootstrap import SPEC

RUMAH = str(Path(sys.executable).with_name("rumah"))
PERMITS = SPEC.entities[0]
WIB = timezone(timedelta(hours=7))


# what the ledger's engine tests run with: small segments and batches, frequent checkpoints
SMALL_BATCHES = {
    "segment_size": 50,
    "batch_max": 100,
    "checkpoint_interval_s": 0.3,
    "poll_interval_s": 0.1,
}


def a_ledger(backends: BackendSettings, db: str, prefix: str, **fields: Any) -> LedgerSettings:
    """A ledger's settings on ``backends`` that trust the stand-in gateway key (``KEYS``);
    ``fields``: other LedgerSettings fields."""
    settings = LedgerSettings(
        backends=backends, db=db, topic_prefix=prefix, subgraph_auth=KEYS.subgraph_settings()
    )
    return settings.model_copy(update=fields)


async def until(
    probe: Callable[[], Awaitable[object]],
    what: str,
    timeout_s: float = 180,
    interval_s: float = 0.05,
) -> None:
    """Await ``probe()`` until truthy; a probe the loaded engine answers late counts as not
    yet (a bounded loop that fails with ``what``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if await probe():
                return
        except PortError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not reached within {timeout_s}s")
        await asyncio.sleep(interval_s)


class Served:
    """``rumah service serve <service>`` as a process on a free port (``port_var``)."""

    service = ""
    port_var = ""

    def __init__(self, env: dict[str, str], http: aiohttp.ClientSession, log: Path) -> None:
        self.port = free_port()
        self.env = {**env, self.port_var: str(self.port)}
        self.http, self.log = http, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self, **extra_env: str) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                RUMAH,
                "service",
                "serve",
                self.service,
                env={**self.env, **extra_env},
                stdout=out,
                stderr=out,
            )

    async def get(self, path: str) -> tuple[int, Any]:
        """``GET path`` → (status, JSON body or None); (0, None) when it does not answer."""
        try:
            url = f"http://127.0.0.1:{self.port}{path}"
            async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
                body = await r.json(content_type=None) if r.status == 200 else None
                return r.status, body
        except (aiohttp.ClientError, TimeoutError, ValueError):
            return 0, None

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        if await asyncio.wait_for(self.proc.wait(), 30) != -signal.SIGKILL:
            raise RuntimeError(f"{self.service} ended before the SIGKILL: {self.proc.returncode}")

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


class Replica(Served):
    """A licensing replica (replicated, no pull of its own: see ``replica_env``)."""

    service, port_var = "licensing", "RUMAH_LICENSING_PORT"

    async def ready(self) -> bool:
        return (await self.get("/health/ready"))[0] == 200


class LedgerProcess(Served):
    """The ledger, with its status over HTTP."""

    service, port_var = "ledger", "RUMAH_LEDGER_PORT"

    async def start(self, pause_after_append_s: float = 0.0, **extra_env: str) -> None:  # type: ignore[override]
        await super().start(
            RUMAH_LEDGER_TEST_PAUSE_AFTER_APPEND_S=str(pause_after_append_s), **extra_env
        )

    async def status(self) -> dict[str, Any] | None:
        _, body = await self.get("/ledger/status")
        return dict(body) if isinstance(body, dict) else None

    async def head(self) -> int:
        found = await self.status()
        return int(found["head"]["seq"]) if found and found["head"] else -1


# --- a service replica SIGKILLed mid-batch -------------------------------------------------


def permits(n: int, version: int) -> list[dict[str, Any]]:
    """``n`` licensing upstream records at ``version`` (1: submitted, 2: verified), filed
    today so the SLA sweep of the leader has nothing to flag."""
    today = datetime.now(WIB).strftime("%d-%m-%Y")
    return [
        {
            "no_permohonan": f"503/{i:05d}/DPMPTSP/2026",
            "jenis_izin": 1,
            "nama_pemohon": "Sri Lubis",
            "nama_usaha": "CV Maju Jaya",
            "kecamatan": "Sei Rampah",
            "tgl_permohonan": today,
            "kd_status": 10 if version == 1 else 20,
            "kd_jabatan_verifikator": "4041",
            "nilai_investasi": "1.250.000.000,00",
            "tgl_keputusan": "",
            "alasan_penolakan": "",
            "versi": version,
            "diubah_pada": f"{today} 09:{version:02d}:00.000",
        }
        for i in range(n)
    ]


def replica_env(backends: BackendSettings, db: str, prefix: str) -> dict[str, str]:
    return {
        **os.environ,
        "RUMAH_BACKEND": "kafka",
        "RUMAH_KAFKA_BOOTSTRAP": backends.kafka_bootstrap,
        "RUMAH_MONGO_URL": backends.mongo_url,
        "RUMAH_LOG_PARTITIONS": str(backends.log_partitions),
        "RUMAH_LICENSING_DB": db,
        "RUMAH_LICENSING_TOPIC_PREFIX": prefix,
        "RUMAH_LICENSING_REPLICATED": "true",
        "RUMAH_LICENSING_PULL": "false",  # the caller produces the records into the intake
        "RUMAH_LICENSING_RECONCILE_INTERVAL_S": "0",
        "RUMAH_LICENSING_LOG_LEVEL": "WARNING",
        "RUMAH_LEASE_TTL_S": "4",
        "RUMAH_LEASE_MARGIN_S": "1",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS": KEYS.public_pem,
    }


async def status_events(log: EventLog, prefix: str) -> list[bytes]:
    """Every record on the licensing service's event topics, raw (a replay from earliest)."""
    topics = [SPEC.topic(f, prefix) for f in SPEC.event_families]
    found: list[bytes] = []
    async for records in read_to_end(log, topics):
        found += [r.value for r in records]
    return found


async def produce(forwarder: IntakeForwarder, raws: Sequence[dict[str, Any]]) -> None:
    for i in range(0, len(raws), 200):  # pages, as the pull forwards them
        await forwarder.ingest(PERMITS, raws[i : i + 200])


async def _drop(backends: BackendSettings, *dbs: str) -> None:
    async with open_backends(backends, db=dbs[0]) as (store, _):
        for db in dbs:
            await store.db.client.drop_database(db)  # type: ignore[attr-defined]


async def _handed_over(
    bootstrap: str, group: str, partitions: int, timeout_s: float = 600
) -> float:
    """When (time.monotonic) every partition of the intake group (``group`` = its topic) has
    committed past where it stood at the call — the call right after a replica's SIGKILL.
    The dead replica's partitions stay where they were until the group gives them to a
    survivor and it applies a batch of them: the handover, plus one batch. (Every partition
    must receive records after the kill for this to end: the scenario changes every permit.)
    """
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.errors import KafkaError

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:

        async def committed() -> dict[int, int]:
            found = await admin.list_consumer_group_offsets(group)
            return {tp.partition: om.offset for tp, om in found.items() if tp.topic == group}

        known = await committed()
        at_kill = {p: known.get(p, -1) for p in range(partitions)}  # -1: nothing committed
        moved_at = 0.0

        async def all_moved() -> bool:
            nonlocal moved_at
            try:
                now = await committed()
            except KafkaError:  # a coordinator busy or moving: ask again
                return False
            moved_at = time.monotonic()
            return all(now.get(p, -1) > o for p, o in at_kill.items())

        await until(all_moved, "every intake partition committed past the kill", timeout_s)
        return moved_at
    finally:
        await admin.close()


async def replica_kill(
    kafka_bootstrap: str, mongo_url: str, logs: Path, *, records: int = 1500
) -> dict[str, Any]:
    """Two replicas and the ledger; ``records`` permits created, one replica SIGKILLed
    mid-batch, then every permit changed once. Returns the counts: produced (stored
    versions, one event each) / stored / events on the topic (distinct, copies) / chained,
    the ledger's view, ``problems`` (the shared no-loss checks; empty: none) and
    ``takeover_s`` (from the kill until every intake partition committed again:
    ``_handed_over``)."""
    run = uuid.uuid4().hex[:10]
    db, prefix = f"it_replicas_{run}", f"itr{run}"
    backends = BackendSettings(
        backend="kafka", kafka_bootstrap=kafka_bootstrap, mongo_url=mongo_url, log_partitions=6
    )
    ledger = a_ledger(backends, f"it_replicas_ledger_{run}", prefix, **LIVELY_LEDGER)
    env = replica_env(backends, db, prefix)
    # One event per STORED version: a permit whose creation and change reach the survivor in
    # one batch is written once, at its newest revision (services/kit/ingest.py: "only the
    # newest counts"), so it has one version and one event. Counted from the store below.
    expected = 2 * records
    try:
        async with (
            open_backends(backends, db=db) as (store, log),
            aiohttp.ClientSession() as http,
            serve_app(create_ledger_app(ledger)),
        ):
            forwarder = IntakeForwarder(log, intake_topic(SPEC, prefix))
            await log.ensure_topic(forwarder.topic, backends.log_partitions)
            handover: asyncio.Task[float] | None = None
            a = Replica(env, http, logs / "replica-a.log")
            b = Replica(env, http, logs / "replica-b.log")
            permit = store.collection(PERMITS.collection)
            try:
                await a.start()
                await b.start()
                await until(a.ready, "replica a ready")
                await until(b.ready, "replica b ready")
                await produce(forwarder, permits(records, 1))

                async def stored_at_least(n: int) -> bool:
                    return await permit.count() >= n

                await until(
                    lambda: stored_at_least(records // 4),
                    "a quarter of the permits stored",
                    interval_s=0.01,
                )
                await a.kill()
                killed = time.monotonic()
                handover = asyncio.create_task(
                    _handed_over(kafka_bootstrap, forwarder.topic, backends.log_partitions)
                )
                stored_at_kill = await permit.count()
                await produce(forwarder, permits(records, 2))
                takeover_s = (await handover) - killed

                async def all_verified() -> bool:
                    page = await permit.find({"status": "verified"}, limit=records + 1)
                    return len(page.items) >= records

                await until(all_verified, "every permit verified by the surviving replica", 600)
                stored_docs = await permit.find(limit=records + 1)
                expected = sum(int(d["_v"]) for d in stored_docs.items)

                async def unrelayed() -> list[str]:
                    on_topic = len(set(await status_events(log, prefix)))
                    return (
                        [f"{on_topic} of {expected} events relayed"] if on_topic < expected else []
                    )

                # not relayed after the deadline: reported with the other checks' problems
                late = await until_clean(unrelayed, timeout_s=600, interval_s=0.5)
                await asyncio.sleep(1.0)  # anything more would be a second event for a change
            finally:
                if handover is not None and not handover.done():
                    handover.cancel()
                await a.stop()
                await b.stop()
            stored = await permit.count()
            raw = await status_events(log, prefix)
            decoded = [decode(v) for v in raw]
            view = LedgerView([], 0)

            async def reconciled() -> list[str]:
                nonlocal view
                view = await read_ledger(ledger)
                docs = await permit.find(limit=1_000_000)
                return await noloss_problems(
                    produced=expected,
                    topic_events=decoded,
                    ledger=view,
                    status_type=STATUS,
                    stored_status={d["_id"]: d["status"] for d in docs.items},
                )

            problems = late + await until_clean(
                reconciled, timeout_s=60 if late else 300, interval_s=2.0
            )
    finally:
        await _drop(backends, db, ledger.db)
    ids = Counter(str(e["id"]) for e in decoded)
    per_change = Counter((str(e["subject"]), str(e["data"].get("to"))) for e in decoded)
    bytes_by_id: dict[str, set[bytes]] = {}
    for v, e in zip(raw, decoded, strict=True):
        bytes_by_id.setdefault(str(e["id"]), set()).add(v)
    same_bytes = all(len(v) == 1 for v in bytes_by_id.values())
    if not same_bytes:
        problems.append("an event id republished with different bytes")
    return {
        "produced": expected,
        "stored": stored,
        "stored_at_kill": stored_at_kill,
        "events_distinct": len(ids),
        "events_copies": len(decoded) - len(ids),  # republished after the kill (same id)
        "changes": len(per_change),
        "same_bytes_per_id": same_bytes,
        "expected_events": expected,
        # created and changed in one write (both records in one batch): one version, one event
        "collapsed": 2 * records - expected,
        "chained": len(set(view.ids)),
        "duplicates": view.duplicates,  # event ids chained more than once
        "broken": view.broken,
        "takeover_s": round(takeover_s, 1),
        "problems": problems,
    }


# permits, each changed twice: 2 × as many events
REPLICA_SIZES = {"test": Size(600), "quick": Size(2_500), "full": Size(10_000)}


@register("replica-killed", **REPLICA_SIZES)
async def replica_killed(env: Env, size: Size) -> Outcome:
    """``size.changes`` permits, each changed twice (2 × ``size.changes`` events)."""
    logs = Path(tempfile.mkdtemp(prefix="chaos-replicas-"))  # the replicas' logs
    counts = await replica_kill(
        env.backends.kafka_bootstrap, env.backends.mongo_url, logs, records=size.changes
    )
    problems = list(counts["problems"])
    if not 0 < counts["stored_at_kill"] < size.changes:
        problems.append(f"not killed mid-batch: {counts['stored_at_kill']} stored at the kill")
    if counts["stored"] != size.changes:
        problems.append(f"{counts['stored']} of {size.changes} permits stored")
    notes = {"permits": size.changes, "on_topic": counts["events_distinct"]}
    notes["republished"] = counts["events_copies"]
    notes["collapsed"] = counts["collapsed"]
    if problems:
        notes["logs"] = str(logs)  # kept to look at
    else:
        shutil.rmtree(logs, ignore_errors=True)
    return _outcome("replica-killed", counts, problems, notes, "stored_at_kill")


def _outcome(
    scenario: str, counts: dict[str, Any], problems: list[str], notes: dict[str, Any], *also: str
) -> Outcome:
    """The line of a scenario from the counts its body returned (``also``: more of them)."""
    return Outcome(
        scenario=scenario,
        produced=counts["produced"],
        chained=counts["chained"],
        duplicates=counts["duplicates"],
        broken=counts["broken"],
        max_recovery_s=counts["takeover_s"],
        problems=problems,
        notes={**notes, **{k: counts[k] for k in also}},
    )


# --- the ledger SIGKILLed mid-append, its standby taking over -------------------------------

LEASE_ENV = {
    "RUMAH_LEDGER_STANDBY": "true",
    "RUMAH_LEASE_TTL_S": "4",
    "RUMAH_LEASE_MARGIN_S": "1",
    "RUMAH_LEASE_POLL_S": "0.2",
}


def events(start: int, stop: int) -> list[Event]:
    """Valid status events ``start``…``stop - 1``: one personnel mutation to four permits."""
    return [mutation_event(n) if n % 5 == 0 else permit_event(n) for n in range(start, stop)]


def settings_env(settings: LedgerSettings) -> dict[str, str]:
    """The environment a `rumah` process needs to open the same ledger as ``settings``."""
    b = settings.backends
    return {
        **os.environ,
        "RUMAH_BACKEND": b.backend,
        "RUMAH_KAFKA_BOOTSTRAP": b.kafka_bootstrap,
        "RUMAH_MONGO_URL": b.mongo_url,
        "RUMAH_LOG_PARTITIONS": str(b.log_partitions),
        "RUMAH_LEDGER_DB": settings.db,
        "RUMAH_LEDGER_TOPIC_PREFIX": settings.topic_prefix,
        "RUMAH_LEDGER_SEGMENT_SIZE": str(settings.segment_size),
        "RUMAH_LEDGER_BATCH_MAX": str(settings.batch_max),
        "RUMAH_LEDGER_CHECKPOINT_INTERVAL_S": str(settings.checkpoint_interval_s),
        "RUMAH_LEDGER_LOG_LEVEL": "WARNING",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS": settings.subgraph_auth.gateway_keys.get_secret_value(),
    }


async def stored_event_ids(settings: LedgerSettings) -> list[tuple[int, str]]:
    """(position, event id) of every entry of the ledger ``settings`` names."""
    async with open_backends(settings.backends, db=settings.db) as (store, _):
        ledger = await open_ledger(settings, store, None, writing=False)
        last = await ledger.entries.last()
        return [(d["seq"], d["eventId"]) async for d in ledger.entries.scan(1, last)]


async def publish_slowly(log: EventLog, prefix: str, batch: list[Event]) -> None:
    for i in range(0, len(batch), 50):
        await publish(log, prefix, batch[i : i + 50])
        await asyncio.sleep(0.1)


async def standby_takeover(
    settings: LedgerSettings,
    logs: Path,
    *,
    first: int = 1200,
    later: int = 600,
    pause_after_append_s: float = 1.0,
) -> dict[str, Any]:
    """Two ledger processes (active + standby); the active one SIGKILLed mid-append
    (``pause_after_append_s`` > 0: after an append, before its commit; 0: wherever it is),
    once its head is past ``first // 4``.

    Returns produced / stored / distinct / duplicates / missing / gapless / epoch /
    takeover_s / head_at_kill, and the ledger's view (``chained``, ``broken``)."""
    prefix, env = settings.topic_prefix, {**settings_env(settings), **LEASE_ENV}
    total = first + later
    mark = first // 4
    async with (
        open_backends(settings.backends, db="unused") as (_, log),
        aiohttp.ClientSession() as http,
    ):
        active = LedgerProcess(env, http, logs / "ledger-a.log")
        standby = LedgerProcess(env, http, logs / "ledger-b.log")
        trickle: asyncio.Task[None] | None = None
        try:
            if pause_after_append_s:
                await publish(log, prefix, events(0, first))
            await active.start(pause_after_append_s=pause_after_append_s)

            async def role(p: LedgerProcess, wanted: str) -> bool:
                found = await p.status()
                return bool(found and found["role"] == wanted)

            await until(lambda: role(active, "active"), what="first process active")
            await standby.start()
            await until(lambda: role(standby, "standby"), what="second process standing by")
            if not pause_after_append_s:  # a steady stream: appending whenever it is killed
                trickle = asyncio.create_task(publish_slowly(log, prefix, events(0, first)))
            seen = -1

            async def appended_past() -> bool:
                nonlocal seen
                head = await active.head()
                moved = seen >= 0 and head > seen
                seen = head
                # with the pause: right after an append (the head just moved); without it:
                # as soon as it is past the mark, wherever the appender is
                return (moved or not pause_after_append_s) and head >= mark

            await until(appended_past, what=f"active head ≥ {mark}", interval_s=0.01)
            await active.kill()
            killed, killed_at = time.monotonic(), seen
            if trickle is not None:
                await trickle
            await publish(log, prefix, events(first, first + later // 2))  # while nobody appends
            await until(lambda: role(standby, "active"), what="standby took over", timeout_s=60)
            takeover_s = time.monotonic() - killed
            await publish(log, prefix, events(first + later // 2, total) + events(0, 50))

            async def all_appended() -> bool:
                return await standby.head() >= total

            await until(all_appended, what=f"ledger head {total}", timeout_s=max(240, total / 20))
            await asyncio.sleep(1.0)  # anything beyond would be a duplicate: let it show
            status = await standby.status()
            if status is None:
                raise RuntimeError("the standby stopped answering its status")
        finally:
            if trickle is not None and not trickle.done():
                trickle.cancel()
            await active.stop()
            await standby.stop()
    stored = await stored_event_ids(settings)
    view = await read_ledger(settings)
    ids = [eid for _, eid in stored]
    return {
        "produced": total,
        "stored": len(stored),
        "distinct": len(set(ids)),
        "duplicates": sum(n - 1 for n in Counter(ids).values()),
        "missing": len({ev["id"] for ev in events(0, total)} - set(ids)),
        "gapless": [seq for seq, _ in stored] == list(range(1, len(stored) + 1)),
        "epoch": status["epoch"],
        "takeover_s": round(takeover_s, 1),
        "head_at_kill": killed_at,
        "chained": len(set(view.ids)),
        "broken": view.broken,
    }


# events waiting before the kill; half as many again published after it
STANDBY_SIZES = {"test": Size(600), "quick": Size(3_000), "full": Size(10_000)}


@register("ledger-standby-takeover", **STANDBY_SIZES)
async def ledger_standby_takeover(env: Env, size: Size) -> Outcome:
    """``size.changes`` events waiting, the active ledger killed right after an append past a
    quarter of them (before its commit), half as many again published during and after."""
    run = uuid.uuid4().hex[:10]
    settings = a_ledger(env.backends, f"chaos_standby_{run}", f"chaosl{run}", **SMALL_BATCHES)
    try:
        with tempfile.TemporaryDirectory(prefix="chaos-standby-") as logs:
            counts = await standby_takeover(
                settings, Path(logs), first=size.changes, later=size.changes // 2
            )
    finally:
        await _drop(env.backends, settings.db)
    problems: list[str] = []
    if not 0 < counts["head_at_kill"] < size.changes:
        problems.append(f"not killed mid-work: head {counts['head_at_kill']} at the kill")
    if counts["epoch"] != 2:
        problems.append(f"epoch {counts['epoch']} after one takeover (expected 2)")
    if not counts["gapless"]:
        problems.append("positions with gaps")
    if not counts["stored"] == counts["distinct"] == counts["produced"]:
        problems.append(
            f"produced {counts['produced']}, stored {counts['stored']}, "
            f"distinct {counts['distinct']}"
        )
    if counts["missing"]:
        problems.append(f"{counts['missing']} events not chained")
    return _outcome("ledger-standby-takeover", counts, problems, {}, "head_at_kill", "epoch")
