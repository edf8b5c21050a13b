"""Planning, finance, procurement and registry on Kafka + FerretDB, one shared scenario each:

* a change in the upstream → canonical state → exactly one event on the log, even when the
  upstream re-sends it and then sends an older version (duplicate / out of order);
* the upstream down → degraded readiness; back → ready, and the missed change arrives once;
* a malformed record → quarantined (with its reason), the service stays ready;
* an unknown upstream field → reported as schema drift, the record still applied.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from services.finance.bootstrap import SPEC as FINANCE
from services.kit.spec import ServiceSpec
from services.kit.testing import eventually
from services.planning.bootstrap import SPEC as PLANNING
from services.procurement.bootstrap import SPEC as PROCUREMENT
from services.registry.bootstrap import SPEC as REGISTRY

pytestmark = pytest.mark.integration
Hub = Any


@dataclass(frozen=True)
class Change:
    """What one upstream change should become: one event matching ``event`` about
    ``subject``, and ``state`` (a query taking ``$id``) answering ``expect``."""

    resource: str
    subject: str
    record: dict[str, Any]
    event: str  # short type, e.g. "activity.stage_changed"
    matches: Callable[[dict[str, Any]], bool]
    state: str
    expect: Any


@dataclass(frozen=True)
class Case:
    spec: ServiceSpec
    family: str
    change: Callable[[Hub], Awaitable[Change]]
    garbage: tuple[str, dict[str, Any]]  # (resource, record with an upstream id)
    garbage_reason: str

    @property
    def name(self) -> str:
        return self.spec.name


def _changed(result: dict[str, Any], resource: str) -> dict[str, Any]:
    return next(c["record"] for c in result["changed"] if c["resource"] == resource)


async def _stage_move(hub: Hub) -> Change:
    rec = _changed(await hub.admin("aksi/majukan_tahapan"), "kegiatan")
    to = {2: "draft", 3: "musrenbang", 4: "final_draft", 5: "enacted"}[rec["kd_tahapan"]]
    return Change(
        "kegiatan",
        rec["kd_kegiatan"],
        rec,
        "activity.stage_changed",
        lambda e: e["data"]["to"] == to,
        "query($id: ID!) { activity(code: $id) { stage } }",
        {"activity": {"stage": to.upper()}},
    )


async def _sp2d_issued(hub: Hub) -> Change:
    drawn = _changed(await hub.admin("aksi/ajukan_sp2d"), "sp2d")
    done = await hub.admin("aksi/terbitkan_sp2d", {"nomor_sp2d": drawn["nomor_sp2d"]})
    rec = _changed(done, "sp2d")
    return Change(
        "sp2d",
        rec["nomor_sp2d"],
        rec,
        "disbursement.issued",
        lambda e: True,
        "query($id: ID!) { disbursement(number: $id) { status } }",
        {"disbursement": {"status": "ISSUED"}},
    )


async def _package_move(hub: Hub) -> Change:
    rec = _changed(await hub.admin("aksi/lanjutkan_tahap"), "paket")
    to = {
        20: "registration",
        30: "bid_submission",
        40: "evaluation",
        50: "award",
        60: "objection",
        70: "contract",
    }[rec["tahap"]]
    return Change(
        "paket",
        rec["kode_rup"],
        rec,
        "package.stage_changed",
        lambda e: e["data"]["to"] == to,
        "query($id: ID!) { procurementPackage(id: $id) { stage } }",
        {"procurementPackage": {"stage": to.upper()}},
    )


async def _probe_failed(hub: Hub) -> Change:
    up = next(r for r in hub.sim.table("pemantauan").records.values() if r["kd_status"] == 1)
    rec = _changed(
        await hub.admin("aksi/cek", {"id_aplikasi": up["id_aplikasi"], "status": "down"}),
        "pemantauan",
    )
    return Change(
        "pemantauan",
        rec["id_aplikasi"],
        rec,
        "application.probe_failed",
        lambda e: True,
        "query($id: ID!) { application(id: $id) { uptime { up } } }",
        {"application": {"uptime": {"up": False}}},
    )


CASES = [
    Case(
        PLANNING,
        "activity",
        _stage_move,
        ("kegiatan", {"kd_kegiatan": "1.03.10.2.99", "kd_tahapan": 7, "indikator": "n/a"}),
        "unknown kd_tahapan code 7",
    ),
    Case(
        FINANCE,
        "disbursement",
        _sp2d_issued,
        ("sp2d", {"nomor_sp2d": "9999/SP2D-LS/BPKD/2026", "nilai_sp2d": "sejuta"}),
        "nilai_sp2d: not a rupiah amount",
    ),
    Case(
        PROCUREMENT,
        "package",
        _package_move,
        ("paket", {"kode_rup": "99999999", "tahap": 35, "pagu_paket": "1.000,00"}),
        "unknown tahap code 35",
    ),
    Case(
        REGISTRY,
        "application",
        _probe_failed,
        (
            "pemantauan",
            {
                "id_aplikasi": "aplikasi-hantu",
                "kd_status": 1,
                "kode_http": 200,
                "waktu_respon_ms": 90,
                "waktu_cek": "10-03-2026 10:00:00",
                "gagal_berturut": 2,
            },
        ),
        "an application that answers has no consecutive failures",
    ),
]
ids = pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)


async def _matching(hub: Hub, case: Case, change: Change) -> list[dict[str, Any]]:
    wanted = case.spec.event_type(change.event)
    return [
        e
        for e in await hub.events(case.family)
        if e["subject"] == change.subject and e["type"] == wanted and change.matches(e)
    ]


async def _state_is(hub: Hub, change: Change) -> bool:
    return await hub.graphql(change.state, id=change.subject) == change.expect


@ids
async def test_a_change_is_one_event_despite_duplicates_and_older_versions(
    open_hub: Any, case: Case
) -> None:
    async with open_hub(case.spec) as hub:
        change = await case.change(hub)
        await eventually(lambda: _state_is(hub, change), timeout_s=15, what="canonical state")
        [event] = await eventually(
            lambda: _matching(hub, case, change), timeout_s=15, what="the event"
        )
        assert event["source"] == f"/services/{case.name}" and event["opd"] == case.spec.opd
        await hub.admin(f"push/{change.resource}/{change.subject}?times=3")
        await hub.admin(f"push/{change.resource}/{change.subject}?back=1")
        await asyncio.sleep(1.5)  # several pull cycles and webhook deliveries
        assert await _state_is(hub, change)
        assert [e["id"] for e in await _matching(hub, case, change)] == [event["id"]]


@ids
async def test_a_down_upstream_degrades_readiness_and_the_missed_change_arrives_once(
    open_hub: Any, case: Case
) -> None:
    async with open_hub(case.spec) as hub:
        await hub.admin("faults", {"down": True})

        async def degraded() -> bool:
            status, body = await hub.ready()
            return status == 503 and "upstream" in body["failing"]

        await eventually(degraded, timeout_s=15, what="degraded readiness")
        change = await case.change(hub)  # happens while we cannot see it
        sync = await hub.graphql(f"{{ {case.name}SyncStatus {{ upstreamReachable lastError }} }}")
        assert sync[f"{case.name}SyncStatus"]["upstreamReachable"] is False
        assert not await _state_is(hub, change)
        await hub.admin("faults", {"down": False})
        await eventually(lambda: _ready_again(hub), timeout_s=15, what="ready after recovery")
        await eventually(lambda: _state_is(hub, change), timeout_s=15, what="missed change")
        await eventually(lambda: _matching(hub, case, change), timeout_s=15, what="its event")
        assert len(await _matching(hub, case, change)) == 1


async def _ready_again(hub: Hub) -> bool:
    return (await hub.ready())[0] == 200


@ids
async def test_malformed_records_are_quarantined_and_unknown_fields_reported(
    open_hub: Any, case: Case
) -> None:
    async with open_hub(case.spec) as hub:
        resource, garbage = case.garbage
        upstream_id = str(next(iter(garbage.values())))
        await hub.admin(f"inject/{resource}", garbage)
        query = f"{{ {case.name}Quarantine {{ upstreamId reason raw }} }}"

        async def held() -> list[Any]:
            return list((await hub.graphql(query))[f"{case.name}Quarantine"])

        [entry] = await eventually(held, timeout_s=15, what="quarantine entry")
        assert entry["upstreamId"] == upstream_id and case.garbage_reason in entry["reason"]
        change = await case.change(hub)  # a good record with a field the mapping never saw
        await hub.admin(f"inject/{change.resource}", {**change.record, "kolom_baru": "x"})
        status = f"{{ {case.name}SyncStatus {{ schemaDrift quarantinedCount }} }}"

        async def drift() -> list[str]:
            return list((await hub.graphql(status))[f"{case.name}SyncStatus"]["schemaDrift"])

        [field] = await eventually(drift, timeout_s=15, what="schema drift")
        assert field.endswith(".kolom_baru")
        await eventually(lambda: _state_is(hub, change), timeout_s=15, what="drifted record")
        assert (await hub.ready())[0] == 200
        # the later change reached the log, so the garbage had its chance to: it did not
        await eventually(lambda: _matching(hub, case, change), timeout_s=15, what="its event")
        assert not [e for e in await hub.events(case.family) if e["subject"] == upstream_id]
