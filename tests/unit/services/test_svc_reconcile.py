"""Reconciliation: drift the incremental pull cannot see is found by the slow full comparison
and repaired through the normal write path — one event per version change, none for what
already agrees — and reported in the sync status (GraphQL) and /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from prometheus_client.core import Metric

from services.kit.envelope import Event
from services.kit.graphql.schema import build_schema
from services.kit.metrics import service_metrics
from services.kit.reconcile import Reconciler
from services.kit.runtime import open_runtime
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.spec import Event as SpecEvent
from services.kit.testing import eventually, pending_events, serve_app
from services.licensing.bootstrap import SPEC
from tests.unit.conftest import FakeClock
from tests.unit.services.svc_helpers import query
from tests.unit.services.wired_upstream import PAGE_SIZE, Wired, open_wired

PERMITS = SPEC.entities[0]
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"
INTERVAL = 60.0
SYNC = """{ licensingSyncStatus { reconciliation {
  running passes lastChecked lastRepaired repairedTotal lastError } } }"""


@pytest.fixture
async def wired(embedded: ServiceSettings, clock: FakeClock) -> AsyncIterator[Wired]:
    async with open_wired(embedded, clock, seed=23) as w:
        yield w


class Naps:
    """Stands in for ``asyncio.sleep``: records the pauses a pass asks for."""

    def __init__(self) -> None:
        self.taken: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.taken.append(seconds)


def _reconciler(w: Wired, naps: Naps, records_per_s: float = 70.0) -> Reconciler:
    r = Reconciler(
        w.puller,
        w.rt.ingestor,
        w.rt.spec.entities,
        w.rt.clock,
        records_per_s=records_per_s,
        sleep=naps,
    )
    w.rt.reconciler = r
    return r


async def _one_verified_and_pulled(w: Wired) -> str:
    """Pull everything, verify one permit upstream, pull it: its id."""
    await w.puller.pull(PERMITS)
    [(_, changed)] = w.sim.act("verifikasi")
    await w.puller.pull(PERMITS)
    return str(changed["no_permohonan"])


async def _status_events(w: Wired) -> list[Event]:
    return [e for e in await pending_events(w.rt.store) if e["type"] == STATUS]


async def test_drift_the_pull_missed_is_repaired_with_one_event_per_change(wired: Wired) -> None:
    w, naps = wired, Naps()
    await w.puller.pull(PERMITS)
    total = len(w.sim.table("permohonan").records)
    before = await _status_events(w)
    # The pull goes blind (as if its cursor had moved past changes it never applied) …
    w.rt.sync.of("permohonan").cursor = "31-12-2099 23:59:59.999"
    moved = [rec["no_permohonan"] for _ in range(3) for _, rec in w.sim.act("verifikasi")]
    [(_, new)] = w.sim.act("ajukan")  # … and a new record never reaches the store
    assert (await w.puller.pull(PERMITS)).applied == 0
    assert await w.rt.collection("permit").get(new["no_permohonan"]) is None

    checked, repaired = await _reconciler(w, naps).run_pass()

    assert (checked, repaired) == (total + 1, 4)
    for pid in moved:
        assert (await w.rt.collection("permit").get(pid))["status"] == "verified"
    assert (await w.rt.collection("permit").get(new["no_permohonan"]))["status"] == "submitted"
    repairs = [e for e in await _status_events(w) if e["id"] not in {b["id"] for b in before}]
    assert sorted((e["subject"], e["data"]["from"], e["data"]["to"]) for e in repairs) == sorted(
        [(pid, "submitted", "verified") for pid in moved]
        + [(new["no_permohonan"], None, "submitted")]
    )
    # what agrees is never written again: a second pass repairs nothing, emits nothing
    assert await _reconciler(w, naps).run_pass() == (total + 1, 0)
    assert len(await _status_events(w)) == len(before) + 4


async def test_a_store_regressed_behind_the_pull_s_back_is_repaired(wired: Wired) -> None:
    """The store holds an older state than this process believes it wrote (a write undone
    behind its back): the pull's 'already stored' hint must not hide it from reconciliation."""
    w, naps = wired, Naps()
    pid = await _one_verified_and_pulled(w)
    coll = w.rt.collection("permit")
    doc = await coll.get(pid)
    assert doc is not None and doc["status"] == "verified"
    stale = {
        **doc,
        "status": "submitted",
        "source_revision": doc["source_revision"] - 1,
        "source_hash": "an older version",
    }
    version = stale.pop("_v")
    await coll.put(stale, expected_version=version)  # undone behind the process's back
    assert (await w.puller.pull(PERMITS)).applied == 0  # the pull believes it is stored

    _, repaired = await _reconciler(w, naps).run_pass()

    assert repaired == 1
    assert (await coll.get(pid))["status"] == "verified"
    moves = [
        (e["data"]["from"], e["data"]["to"]) for e in await _status_events(w) if e["subject"] == pid
    ]
    assert moves == [(None, "submitted"), ("submitted", "verified"), ("submitted", "verified")]


async def test_a_repair_below_the_log_s_versions_takes_new_event_ids(wired: Wired) -> None:
    """The store lost a document (a restored backup, a deletion) whose events the log holds:
    the repair starts again at version 1, and its event must not take the id of the version-1
    event already written (consumers drop an id they have seen: the repair would vanish)."""
    w, naps = wired, Naps()
    pid = await _one_verified_and_pulled(w)
    coll = w.rt.collection("permit")
    written = [e for e in await _status_events(w) if e["subject"] == pid]
    assert [(e["entityversion"], e["data"]["to"]) for e in written] == [
        (1, "submitted"),
        (2, "verified"),
    ]
    assert await coll.delete(pid)  # its outbox entries go with it; the log keeps the events

    assert (await _reconciler(w, naps).run_pass())[1] == 1

    doc = await coll.get(pid)
    assert doc is not None and (doc["status"], doc["_v"]) == ("verified", 1)
    [repair] = [e for e in await _status_events(w) if e["subject"] == pid]
    assert (repair["entityversion"], repair["data"]["from"], repair["data"]["to"]) == (
        1,
        None,
        "verified",
    )
    assert repair["id"] not in {e["id"] for e in written}
    # the salt is the content: a retried repair of the same state keeps its ids
    ev = SpecEvent("permit.status_changed", pid, repair["data"])
    enc = w.rt.ingestor.encoder
    first, retried, other = (
        enc.encode("permit", pid, 1, [ev], w.rt.clock(), salt=salt)[0].id
        for salt in ("reconcile/a", "reconcile/a", "reconcile/b")
    )
    assert first == retried != other


async def test_a_pass_reads_the_upstream_at_the_configured_rate(wired: Wired) -> None:
    w, naps = wired, Naps()
    await w.puller.pull(PERMITS)
    total = len(w.sim.table("permohonan").records)
    await _reconciler(w, naps, records_per_s=70.0).run_pass()
    # a pause after every full page, as long as that page's share of the budget
    assert naps.taken and all(t == pytest.approx(PAGE_SIZE / 70.0) for t in naps.taken)
    assert len(naps.taken) >= total // PAGE_SIZE - 1


async def test_reconciliation_shows_in_the_sync_status_and_metrics(wired: Wired) -> None:
    w, naps = wired, Naps()
    await w.puller.pull(PERMITS)
    w.rt.sync.of("permohonan").cursor = "31-12-2099 23:59:59.999"
    w.sim.act("verifikasi")
    await _reconciler(w, naps).run_pass()
    data = await query(build_schema(SPEC), w.rt, SYNC)
    rec = data["licensingSyncStatus"]["reconciliation"]
    assert rec["passes"] == 1 and rec["running"] is False and rec["lastError"] is None
    assert rec["lastRepaired"] == 1 and rec["repairedTotal"] == 1
    assert rec["lastChecked"] == len(w.sim.table("permohonan").records)
    samples = _samples(service_metrics(w.rt, now=w.rt.clock().timestamp()))
    res = frozenset({("service", "licensing"), ("resource", "permohonan")})
    assert samples[("rumah_reconcile_records_repaired_total", res)] == 1
    assert samples[("rumah_reconcile_records_checked_total", res)] == rec["lastChecked"]
    assert samples[("rumah_reconcile_passes_total", frozenset({("service", "licensing")}))] == 1


async def test_an_upstream_outage_fails_the_pass_and_is_reported(wired: Wired) -> None:
    w, naps = wired, Naps()
    await w.puller.pull(PERMITS)
    w.sim.faults.down = True
    r = _reconciler(w, naps)
    with pytest.raises(Exception, match="503"):
        await r.run_pass()
    assert r.state.passes == 0 and "503" in (r.state.last_error or "") and not r.state.running
    data = await query(build_schema(SPEC), w.rt, SYNC)
    assert "503" in data["licensingSyncStatus"]["reconciliation"]["lastError"]


class Ticks:
    """``asyncio.sleep`` for ``run_forever``: notes the state before each wait between passes
    (``INTERVAL``; the rate pauses inside a pass are shorter) and stops the loop (cancels it,
    as a shutdown does) at the ``stop_at``-th such wait."""

    def __init__(self, r: Reconciler | None, stop_at: int) -> None:
        self.r, self.stop_at = r, stop_at
        self.seen: list[tuple[int, str | None]] = []

    async def __call__(self, seconds: float) -> None:
        assert self.r is not None
        if seconds != INTERVAL:
            return
        self.seen.append((self.r.state.passes, self.r.state.last_error))
        if len(self.seen) >= self.stop_at:
            raise asyncio.CancelledError


async def test_failed_passes_are_reported_and_the_next_one_repairs(
    wired: Wired, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A pass that fails (store down while repairing; a bug) is reported and never ends the
    loop or loses the repair: the next pass makes it, with exactly one event."""
    w = wired
    await w.puller.pull(PERMITS)
    w.rt.sync.of("permohonan").cursor = "31-12-2099 23:59:59.999"
    [(_, changed)] = w.sim.act("verifikasi")
    pid = changed["no_permohonan"]
    w.faults.fail_writes("permit", ids=[pid])  # pass 1: the repair write fails
    ticks = Ticks(None, stop_at=4)
    r = Reconciler(
        w.puller, w.rt.ingestor, w.rt.spec.entities, w.rt.clock, records_per_s=1e3, sleep=ticks
    )
    ticks.r = r
    real_fetch = w.puller.fetch_page

    async def buggy_once(resource: str, cursor: str | None, page: int) -> list[Any]:
        if len(ticks.seen) == 2 and page == 1 and cursor is None:
            raise RuntimeError("a bug")  # pass 2 fails on its first page
        return await real_fetch(resource, cursor, page)

    monkeypatch.setattr(w.puller, "fetch_page", buggy_once)
    with pytest.raises(asyncio.CancelledError):
        await r.run_forever(interval_s=INTERVAL)

    assert ticks.seen[0] == (0, None)
    assert ticks.seen[1][0] == 0 and "StoreUnavailable" in (ticks.seen[1][1] or "")
    assert ticks.seen[2] == (0, "RuntimeError: a bug")
    assert (r.state.passes, r.state.last_repaired, r.state.last_error) == (1, 1, None)
    assert (await w.rt.collection("permit").get(pid))["status"] == "verified"
    moves = [
        (e["data"]["from"], e["data"]["to"]) for e in await _status_events(w) if e["subject"] == pid
    ]
    assert moves == [(None, "submitted"), ("submitted", "verified")]


async def test_the_running_service_reconciles_on_its_own(embedded: ServiceSettings) -> None:
    """Wired as in production (``open_runtime``): a document lost from the store behind the
    service's back, which the pull never brings back (nothing changed upstream), is restored
    by the periodic pass; with the interval at 0 there is no reconciliation at all."""
    sim = Simulator(SPEC.workflow, seed=5)
    settings = embedded.model_copy(
        update={"reconcile_interval_s": 0.3, "reconcile_records_per_s": 1e4}
    )
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url,
        open_runtime(SPEC, settings, url) as rt,
    ):
        ids = [str(k) for k in sim.table("permohonan").records]
        coll = rt.collection("permit")

        async def all_stored() -> bool:
            return len(await coll.get_many(ids)) == len(ids)

        await eventually(all_stored, what="first pull")
        assert await coll.delete(ids[0])
        await eventually(all_stored, what="reconciliation restored the document")
        assert rt.reconciler is not None and sum(rt.reconciler.state.repaired.values()) >= 1
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url,
        open_runtime(SPEC, embedded.model_copy(update={"reconcile_interval_s": 0}), url) as rt,
    ):
        assert rt.reconciler is None
        assert (await query(build_schema(SPEC), rt, SYNC))["licensingSyncStatus"] == {
            "reconciliation": None
        }


def _samples(families: Any) -> dict[tuple[str, frozenset[Any]], float]:
    out = {}
    for family in families:
        assert isinstance(family, Metric)
        for s in family.samples:
            out[(s.name, frozenset(s.labels.items()))] = s.value
    return out
