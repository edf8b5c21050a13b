"""Replicas of the licensing service on Kafka + FerretDB: two processes share the work of
the intake topic; one is SIGKILLed mid-batch and the other takes its share. Every record
produced ends stored at its newest revision, each change once as an event (no change lost,
none applied twice under two event ids), and the copies a crash republishes carry the same
id and bytes.

``replica_kill`` is the scenario as a plain function (bench.chaos can run it larger)."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import decode
from services.kit.intake import IntakeForwarder, intake_topic
from services.kit.ports import EventLog, PortError, read_to_end
from services.kit.test_credentials import SigningKeys
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration

RUMAH = str(Path(sys.executable).with_name("rumah"))
PERMITS = SPEC.entities[0]
WIB = timezone(timedelta(hours=7))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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


class Replica:
    """``rumah service serve licensing`` as a process (replicated, no pull of its own)."""

    def __init__(self, env: dict[str, str], http: aiohttp.ClientSession, log: Path) -> None:
        self.port = _free_port()
        self.env = {**env, "RUMAH_LICENSING_PORT": str(self.port)}
        self.http, self.log = http, log
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        with self.log.open("ab") as out:
            self.proc = await asyncio.create_subprocess_exec(
                RUMAH, "service", "serve", "licensing", env=self.env, stdout=out, stderr=out
            )

    async def ready(self) -> bool:
        try:
            url = f"http://127.0.0.1:{self.port}/health/ready"
            async with self.http.get(url, timeout=aiohttp.ClientTimeout(total=5)) as r:
                return r.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False

    async def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        assert await asyncio.wait_for(self.proc.wait(), 30) == -signal.SIGKILL

    async def stop(self) -> None:
        if self.proc is not None and self.proc.returncode is None:
            self.proc.terminate()
            try:
                await asyncio.wait_for(self.proc.wait(), 30)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()


async def until(probe: Any, what: str, timeout_s: float = 180, interval_s: float = 0.05) -> None:
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
        "RUMAH_LICENSING_PULL": "false",  # the test produces the records into the intake
        "RUMAH_LICENSING_RECONCILE_INTERVAL_S": "0",
        "RUMAH_LICENSING_LOG_LEVEL": "WARNING",
        "RUMAH_LEASE_TTL_S": "4",
        "RUMAH_LEASE_MARGIN_S": "1",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS": SigningKeys().public_pem,
    }


async def status_events(log: EventLog, prefix: str) -> list[Any]:
    topics = [SPEC.topic(f, prefix) for f in SPEC.event_families]
    found: list[Any] = []
    async for records in read_to_end(log, topics):
        found += [r.value for r in records]
    return found


async def produce(forwarder: IntakeForwarder, raws: Sequence[dict[str, Any]]) -> None:
    for i in range(0, len(raws), 200):  # pages, as the pull forwards them
        await forwarder.ingest(PERMITS, raws[i : i + 200])


async def replica_kill(
    kafka_bootstrap: str, mongo_url: str, logs: Path, *, records: int = 1500
) -> dict[str, Any]:
    """Two replicas; ``records`` permits created, one replica SIGKILLed mid-batch, then every
    permit changed once. Returns produced / stored / events (distinct, copies) counts."""
    run = uuid.uuid4().hex[:10]
    db, prefix = f"it_replicas_{run}", f"itr{run}"
    backends = BackendSettings(
        backend="kafka", kafka_bootstrap=kafka_bootstrap, mongo_url=mongo_url, log_partitions=6
    )
    env = replica_env(backends, db, prefix)
    async with (
        open_backends(backends, db=db) as (store, log),
        aiohttp.ClientSession() as http,
    ):
        forwarder = IntakeForwarder(log, intake_topic(SPEC, prefix))
        await log.ensure_topic(forwarder.topic, backends.log_partitions)
        a = Replica(env, http, logs / "replica-a.log")
        b = Replica(env, http, logs / "replica-b.log")
        permit = store.collection(PERMITS.collection)
        try:
            await a.start()
            await b.start()
            await until(a.ready, "replica a ready")
            await until(b.ready, "replica b ready")
            await produce(forwarder, permits(records, 1))

            async def mid_batch() -> bool:
                return await permit.count() >= records // 4

            await until(mid_batch, "a quarter of the permits stored", interval_s=0.01)
            await a.kill()
            stored_at_kill = await permit.count()
            await produce(forwarder, permits(records, 2))

            async def all_verified() -> bool:
                page = await permit.find({"status": "verified"}, limit=records + 1)
                return len(page.items) >= records

            await until(all_verified, "every permit verified by the surviving replica")

            expected = 2 * records  # one event per change: created, then verified

            async def all_relayed() -> bool:
                return len(set(await status_events(log, prefix))) >= expected

            await until(all_relayed, "every event relayed", interval_s=0.5)
            await asyncio.sleep(1.0)  # anything more would be a second event for a change
        finally:
            await a.stop()
            await b.stop()
        stored = await permit.count()
        raw = await status_events(log, prefix)
    events = [decode(v) for v in raw]
    ids = Counter(str(e["id"]) for e in events)
    per_change = Counter((str(e["subject"]), str(e["data"].get("to"))) for e in events)
    bytes_by_id: dict[str, set[bytes]] = {}
    for v, e in zip(raw, events, strict=True):
        bytes_by_id.setdefault(str(e["id"]), set()).add(v)
    return {
        "produced": 2 * records,
        "stored": stored,
        "stored_at_kill": stored_at_kill,
        "events_distinct": len(ids),
        "events_copies": len(events) - len(ids),  # republished after the kill (same id)
        "changes": len(per_change),
        "same_bytes_per_id": all(len(v) == 1 for v in bytes_by_id.values()),
        "expected_events": 2 * records,
    }


async def test_a_replica_killed_mid_batch_hands_its_share_over_without_loss_or_duplicate(
    kafka_bootstrap: str, mongo_url: str, tmp_path: Path
) -> None:
    counts = await replica_kill(kafka_bootstrap, mongo_url, tmp_path, records=1500)
    print("service replica kill:", counts)
    assert 0 < counts["stored_at_kill"] < 1500  # killed mid-work, not before nor after
    assert counts["stored"] == 1500
    # each change once, under one id: as many distinct ids as (permit, status) changes
    assert counts["events_distinct"] == counts["expected_events"] == counts["changes"]
    assert counts["same_bytes_per_id"]
