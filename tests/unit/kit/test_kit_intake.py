"""Replicas sharing one service's work through the intake topic (embedded store and log,
shared by two runtimes as by two processes on one machine)."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import orjson

from services.kit.backends import BackendSettings, open_backends
from services.kit.ingest import IngestResult
from services.kit.runtime import ServiceRuntime, build_runtime
from services.kit.settings import ServiceSettings
from services.kit.testing import eventually, pending_events
from services.licensing.bootstrap import SPEC
from tests.unit.conftest import FakeClock
from tests.unit.permit_records import permohonan

PERMITS = SPEC.entities[0]


def replicated(tmp_path: Path) -> ServiceSettings:
    return ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path, log_partitions=4), replicated=True
    )


@contextlib.asynccontextmanager
async def replica(settings: ServiceSettings, clock: FakeClock) -> AsyncIterator[ServiceRuntime]:
    async with open_backends(settings.backends, db="test_licensing", shared=True) as (store, log):
        rt = build_runtime(SPEC, settings, store, log, clock)
        await rt.prepare()
        yield rt


def records(n: int, version: int = 1) -> list[dict[str, object]]:
    return [
        permohonan(
            no_permohonan=f"503/{i:04d}/DPMPTSP/2026",
            versi=version,
            kd_status=10 if version == 1 else 20,
            diubah_pada=f"02-03-2026 09:{version:02d}:00.000",
        )
        for i in range(n)
    ]


async def test_two_replicas_share_the_records_and_each_is_applied_once(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = replicated(tmp_path)
    async with replica(settings, clock) as a, replica(settings, clock) as b:
        assert a.intake is not None and a.intake_worker and b.intake_worker
        result = await a.ingest("permohonan", records(120))  # as a push reaching replica a
        assert result == IngestResult(forwarded=120)
        assert await a.collection("permit").count() == 0  # only forwarded so far
        workers = [asyncio.create_task(w.run()) for w in (a.intake_worker, b.intake_worker)]
        try:
            wa, wb = a.intake_worker, b.intake_worker

            async def created() -> bool:
                return wa.applied.applied + wb.applied.applied == 120

            await eventually(created, timeout_s=30, what="120 permits created")

            # The first member alone reads every partition until its next heartbeat shares
            # them (it may have applied all 120 creations): wait until each replica holds
            # its half, so the changes below are shared for sure.
            async def shared() -> bool:
                subs = [wa.subscription, wb.subscription]
                held = [set(getattr(s, "assignment", ())) for s in subs if s is not None]
                return len(held) == 2 and all(len(h) == 2 for h in held) and not held[0] & held[1]

            await eventually(shared, timeout_s=30, what="the 4 partitions shared 2 and 2")
            await b.ingest("permohonan", records(120, version=2))  # newer, through replica b

            async def all_at_version_2() -> bool:
                docs = (await a.collection("permit").find({"status": "verified"}, limit=500)).items
                return len(docs) == 120

            await eventually(all_at_version_2, timeout_s=30, what="every permit at version 2")
        finally:
            for t in workers:
                t.cancel()
            await asyncio.gather(*workers, return_exceptions=True)
        shares = [a.intake_worker.applied, b.intake_worker.applied]
        assert all(s.applied > 0 for s in shares)  # both replicas did part of the work
        assert sum(s.applied for s in shares) == 240  # 120 created + 120 changed, once each
        events = await pending_events(a.store)
        ids = Counter(str(e["id"]) for e in events)
        assert len(events) == 240 and max(ids.values()) == 1  # no duplicate event


async def test_an_intake_record_that_is_not_one_is_refused_and_the_rest_applied(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = replicated(tmp_path)
    async with replica(settings, clock) as rt:
        assert rt.intake is not None and rt.intake_worker is not None
        await rt.log.publish_many(
            rt.intake.topic,
            [
                ("x", b"not json"),
                ("y", orjson.dumps({"resource": "no-such-resource", "raw": {}})),
                ("z", orjson.dumps({"raw": {}})),
            ],
        )
        await rt.ingest("permohonan", records(3))
        worker = asyncio.create_task(rt.intake_worker.run())
        try:
            await eventually(
                lambda: rt.collection("permit").count(), timeout_s=20, what="3 permits"
            )
            await eventually(
                lambda: asyncio.sleep(0, rt.intake_worker.refused == 3),  # type: ignore[union-attr]
                timeout_s=20,
                what="3 refused",
            )
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
        assert await rt.collection("permit").count() == 3


async def test_a_record_without_an_id_reaches_the_quarantine_through_the_intake(
    tmp_path: Path, clock: FakeClock
) -> None:
    settings = replicated(tmp_path)
    async with replica(settings, clock) as rt:
        assert rt.intake_worker is not None
        bad = permohonan()
        del bad["no_permohonan"]
        await rt.ingest("permohonan", [bad])
        worker = asyncio.create_task(rt.intake_worker.run())
        try:
            await eventually(
                lambda: asyncio.sleep(0, rt.intake_worker.applied.quarantined),  # type: ignore[union-attr]
                timeout_s=20,
                what="quarantined",
            )
        finally:
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)


async def test_one_replica_is_todays_service(embedded: ServiceSettings, clock: FakeClock) -> None:
    """Not replicated (the default): no intake; records are applied where they arrive."""
    assert embedded.replicated is False
    async with open_backends(embedded.backends, db="t") as (store, log):
        rt = build_runtime(SPEC, embedded, store, log, clock)
        await rt.prepare()
        assert rt.intake is None and rt.intake_worker is None and rt.leader is None
        result = await rt.ingest("permohonan", records(2))
        assert (result.applied, result.forwarded) == (2, 0)
