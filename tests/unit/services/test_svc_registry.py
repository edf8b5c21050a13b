"""Registry (Kominfo): it defines ``Application`` for every service; stage moves, readiness
changes and uptime failures/recoveries become events; production only after a trial."""

from typing import Any

import pytest
from svc_helpers import EventTap, apply, query, sync_all

from services.catalog import CATALOG
from services.kit.graphql.schema import build_schema, subgraph_sdl
from services.kit.mapping import EntityMapping, Mapped, Rejected, map_record
from services.kit.simulator.core import ActionError, Simulator
from services.personnel.upstream.workflow import WORKFLOW as SIMPEG
from services.registry.bootstrap import SPEC
from services.registry.mapping import APPLICATION, FUNDING, PROBE_RESULT, READINESS

SCHEMA = build_schema(SPEC)


def aplikasi(**changes: Any) -> dict[str, Any]:
    rec = {
        "id_aplikasi": "sicantik",
        "nama_aplikasi": "SiCantik Cloud",
        "keterangan": "",
        "opd_pemilik": "DPMPTSP",
        "jabatan_pemilik": "4010",
        "kd_tahap": 3,
        "tgl_tahap": "01-02-2026",
        "alamat_url": "https://sicantik.serdangbedagaikab.go.id",
        "diubah_pada": "01-02-2026 08:00:00.000",
    }
    rec.update(changes)
    return rec


def kesiapan(**changes: Any) -> dict[str, Any]:
    rec = {
        "id_aplikasi": "sicantik",
        "jaringan": 2,
        "pusat_data": 2,
        "perangkat_keras": 1,
        "sdm": 2,
        "tgl_penilaian": "03-02-2026",
        "catatan": "Perlu UPS",
        "diubah_pada": "03-02-2026 08:00:00.000",
    }
    rec.update(changes)
    return rec


def probe(minute: int, up: bool, failures: int = 0) -> dict[str, Any]:
    return {
        "id_aplikasi": "sicantik",
        "kd_status": 1 if up else 2,
        "kode_http": 200 if up else "",
        "waktu_respon_ms": 150 if up else "",
        "waktu_cek": f"10-03-2026 10:{minute:02d}:00",
        "gagal_berturut": failures,
        "diubah_pada": f"10-03-2026 10:{minute:02d}:00.500",
    }


def test_registry_records_map_with_their_codes() -> None:
    app = map_record(APPLICATION, aplikasi())
    assert isinstance(app, Mapped) and app.doc["stage"] == "trial"
    assert app.doc["description"] is None and app.doc["owner_position_id"] == "4010"
    ready = map_record(READINESS, kesiapan())
    assert isinstance(ready, Mapped) and ready.doc["hardware"] == "partial"
    down = map_record(PROBE_RESULT, probe(1, up=False, failures=2))
    assert isinstance(down, Mapped) and down.doc["http_status"] is None
    assert down.doc["checked_at"] == "2026-03-10T03:01:00Z"
    cases: list[tuple[EntityMapping[Any], dict[str, Any], str]] = [
        (PROBE_RESULT, probe(1, up=True, failures=3), "no consecutive failures"),
        (READINESS, kesiapan(sdm=5), "unknown tingkat_kesiapan code 5"),
        (APPLICATION, aplikasi(id_aplikasi="SiCantik Cloud"), "id"),
        (APPLICATION, aplikasi(alamat_url="sicantik"), "url"),
    ]
    for mapping, raw, reason in cases:
        out = map_record(mapping, raw)
        assert isinstance(out, Rejected) and reason in out.reason, (reason, out)


def test_every_wrapped_application_is_registered_with_a_real_owner_position() -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    registered = sim.table("aplikasi").records
    own = {e.name: e.load().SPEC.application_id for e in CATALOG if hasattr(e.load(), "SPEC")}
    assert set(own) >= {"planning", "finance", "procurement", "licensing", "personnel", "registry"}
    assert set(own.values()) <= set(registered)
    jabatan = Simulator(SIMPEG, seed=20170717).table("jabatan").records
    for app in registered.values():
        assert jabatan[app["jabatan_pemilik"]]["kd_unit_kerja"] == app["opd_pemilik"]


async def test_production_only_after_a_trial(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("aplikasi", [aplikasi(id_aplikasi="sipjalan", kd_tahap=1)])
        skip = aplikasi(id_aplikasi="sipjalan", kd_tahap=4, diubah_pada="02-02-2026 08:00:00.000")
        assert (await rt.ingest("aplikasi", [skip])).quarantined == 1
        await rt.ingest("aplikasi", [aplikasi()])
        back = aplikasi(kd_tahap=2, diubah_pada="02-02-2026 08:00:00.000")  # trial failed
        live = aplikasi(kd_tahap=4, diubah_pada="03-02-2026 08:00:00.000")
        await rt.ingest("aplikasi", [back])
        assert (await rt.ingest("aplikasi", [live])).quarantined == 1  # not from development
        moves = [(e["subject"], e["data"]["from"], e["data"]["to"]) for e in await tap.new()]
        assert moves == [
            ("sipjalan", None, "planned"),
            ("sicantik", None, "trial"),
            ("sicantik", "trial", "development"),
        ]
        [held, *_] = (await rt.quarantine.coll.find({"upstream_id": "sipjalan"})).items
        assert "production only after a trial, not from planned" in held["reason"]


async def test_readiness_changes_carry_the_previous_levels(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("kesiapan", [kesiapan()])
        noted = kesiapan(catatan="UPS dipesan", diubah_pada="04-02-2026 08:00:00.000")
        ready = kesiapan(perangkat_keras=2, diubah_pada="05-02-2026 08:00:00.000")
        await rt.ingest("kesiapan", [noted])
        await rt.ingest("kesiapan", [ready])
        first, second = await tap.new()
        assert first["data"]["previous"] is None and first["data"]["ready"] is False
        assert second["data"]["previous"]["hardware"] == "partial"
        assert second["data"]["hardware"] == "ready" and second["data"]["ready"] is True


async def test_an_outage_is_one_failure_and_one_recovery_with_its_downtime(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("pemantauan", [probe(0, up=True)])
        for minute, failures in ((5, 1), (10, 2), (15, 3)):
            await rt.ingest("pemantauan", [probe(minute, up=False, failures=failures)])
        await rt.ingest("pemantauan", [probe(10, up=False, failures=2)])  # late and old
        await rt.ingest("pemantauan", [probe(20, up=True)])
        events = await tap.new()
        assert [e["type"].split(".")[-1] for e in events] == ["probe_failed", "probe_recovered"]
        assert events[0]["data"]["checkedAt"] == "2026-03-10T03:05:00Z"
        assert events[1]["data"]["downSince"] == "2026-03-10T03:05:00Z"
        assert events[1]["data"]["downtimeSeconds"] == 900.0


async def test_registry_defines_application_and_resolves_its_owner_as_a_position(
    open_rt: Any,
) -> None:
    sdl = subgraph_sdl(SCHEMA)
    assert sdl.count("type Application @key") == 1 and "registrySync: SyncStatus" in sdl
    sim = Simulator(SPEC.workflow, seed=20170717)
    async with open_rt(SPEC) as rt:
        assert (await sync_all(sim, rt)).quarantined == 0
        reps = [{"__typename": "Application", "id": i} for i in ("sicantik", "simonev", "nope")]
        q = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Application {
          id stage owner { id } readiness { ready } uptime { up } registrySync { service } } } }"""
        sicantik, simonev, nope = (await query(SCHEMA, rt, q, r=reps))["_entities"]
        assert sicantik["stage"] == "PRODUCTION" and sicantik["owner"] == {"id": "4010"}
        assert sicantik["registrySync"] is None  # not the registry's own application
        assert simonev["registrySync"] == {"service": "registry"}
        assert nope is None
        q = "{ applications(stage: PLANNED, first: 50) { items { id readiness { ready } } } }"
        planned = (await query(SCHEMA, rt, q))["applications"]["items"]
        assert planned and all(a["readiness"] is None for a in planned)


async def test_an_application_entering_trial_gets_probed(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        tap = EventTap(rt)
        await tap.new()
        await apply(rt, sim.act("ubah_tahap", {"id_aplikasi": "sipjalan", "kd_tahap": 2}))
        await apply(rt, sim.act("ubah_tahap", {"id_aplikasi": "sipjalan", "kd_tahap": 3}))
        await apply(rt, sim.act("cek", {"id_aplikasi": "sipjalan", "status": "down"}))
        assert sorted(await tap.types()) == [  # outbox order is per document, so sorted
            "application.probe_failed",
            "application.readiness_changed",
            "application.stage_changed",
            "application.stage_changed",
        ]


async def test_an_application_lists_the_activities_that_fund_it(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    async with open_rt(SPEC) as rt:
        assert (await sync_all(sim, rt)).quarantined == 0
        q = """query($id: ID!) { application(id: $id) {
          funding { activity { code } purpose fiscalYear sharePercent } } }"""
        funding = (await query(SCHEMA, rt, q, id="ebudgeting"))["application"]["funding"]
        assert [(f["activity"]["code"], f["purpose"], f["sharePercent"]) for f in funding] == [
            ("5.02.02.2.01", "BUILD", 12),
            ("5.02.02.2.02", "OPERATE", 8),
        ]
        link = {
            "id_aplikasi": "sipjalan",
            "kode_kegiatan": "1.03.02.2.01",
            "jenis_pendanaan": 2,
            "porsi_persen": 5,
        }
        await apply(rt, sim.act("danai", link))
        funding = (await query(SCHEMA, rt, q, id="sipjalan"))["application"]["funding"]
        assert {f["activity"]["code"] for f in funding} == {"1.03.10.2.01", "1.03.02.2.01"}


def test_funding_links_are_refused_for_unknown_applications_or_bad_shares() -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    for params in (
        {"id_aplikasi": "nope", "kode_kegiatan": "1.03.10.2.01"},
        {"id_aplikasi": "sipjalan", "kode_kegiatan": "1.03.10.2.01", "porsi_persen": 0},
        {"id_aplikasi": "sipjalan"},
    ):
        with pytest.raises(ActionError):
            sim.act("danai", params)
    bad = {
        "id_pendanaan": "x--1.2",
        "id_aplikasi": "sipjalan",
        "kode_kegiatan": "abc",
        "jenis_pendanaan": 7,
        "tahun_anggaran": 2026,
        "porsi_persen": 500,
        "diubah_pada": "01-02-2026 08:00:00.000",
    }
    assert isinstance(map_record(FUNDING, bad), Rejected)
