"""Procurement (UKPBJ): packages move forward from announcement to contract (or fail),
each move is one event, a signed contract is one event, and the PPK is a position."""

from typing import Any

import pytest
from svc_helpers import EventTap, query, sync_all

from services.kit.graphql.schema import build_schema
from services.kit.mapping import EntityMapping, Mapped, Rejected, map_record
from services.kit.simulator.core import Simulator
from services.personnel.upstream.workflow import WORKFLOW as SIMPEG
from services.planning.upstream.workflow import WORKFLOW as EPLANNING
from services.procurement.bootstrap import SPEC
from services.procurement.domain import check_move
from services.procurement.mapping import CONTRACT, PACKAGE
from services.procurement.model import ProcurementStage as S

SCHEMA = build_schema(SPEC)
RUP = "41500016"


def paket(**changes: Any) -> dict[str, Any]:
    rec = {
        "kode_rup": RUP,
        "nama_paket": "Peningkatan Jalan Sei Rampah - Firdaus",
        "kd_keg": "1.03.10.2.01",
        "satker": "PUPR",
        "ta": 2026,
        "mtd_pemilihan": 3,
        "jenis_pengadaan": 2,
        "pagu_paket": "4.750.000.000,00",
        "nilai_hps": "4.702.500.000,00",
        "tahap": 10,
        "tgl_umumkan": "10-03-2026",
        "lokasi": "Sei Rampah",
        "ppk": "10002",
        "diubah_pada": "10-03-2026 09:00:00.000",
    }
    rec.update(changes)
    return rec


def kontrak(**changes: Any) -> dict[str, Any]:
    rec = {
        "no_kontrak": "602.1/001/SPK/PUPR/2026",
        "kode_rup": RUP,
        "nama_penyedia": "PT Sergai Bangun Persada",
        "npwp": "01.234.567.8-114.000",
        "nilai_kontrak": "4.512.000.000,00",
        "tgl_kontrak": "20-05-2026",
        "tgl_mulai_kerja": "25-05-2026",
        "tgl_selesai_kerja": "22-10-2026",
        "diubah_pada": "20-05-2026 14:00:00.000",
    }
    rec.update(changes)
    return rec


def at(day: int, **changes: Any) -> dict[str, Any]:
    return paket(diubah_pada=f"{day:02d}-04-2026 09:00:00.000", **changes)


def test_packages_and_contracts_map_from_spse_shapes() -> None:
    out = map_record(PACKAGE, paket())
    assert isinstance(out, Mapped)
    assert (out.doc["method"], out.doc["category"], out.doc["stage"]) == (
        "tender",
        "construction",
        "announcement",
    )
    assert out.doc["ceiling"] == "4750000000.00" and out.doc["announced_on"] == "2026-03-10"
    assert out.doc["commitment_officer_position_id"] == "10002"
    purchase = map_record(PACKAGE, paket(mtd_pemilihan=1, nilai_hps="", lokasi=""))
    assert isinstance(purchase, Mapped) and purchase.doc["owner_estimate"] is None
    signed = map_record(CONTRACT, kontrak())
    assert isinstance(signed, Mapped) and signed.doc["value"] == "4512000000.00"


def test_inconsistent_packages_and_contracts_are_rejected() -> None:
    cases: list[tuple[EntityMapping[Any], dict[str, Any], str]] = [
        (PACKAGE, paket(nilai_hps="5.000.000.000,00"), "exceeds the pagu"),
        (PACKAGE, paket(tahap=35), "unknown tahap code 35"),
        (PACKAGE, paket(lokasi="Binjai"), "not a kecamatan"),
        (CONTRACT, kontrak(npwp="1234"), "vendor_tax_id"),
        (CONTRACT, kontrak(tgl_selesai_kerja="01-05-2026"), "work ends before it starts"),
        (CONTRACT, kontrak(tgl_mulai_kerja="01-05-2026"), "starts before the contract is signed"),
    ]
    for mapping, raw, reason in cases:
        out = map_record(mapping, raw)
        assert isinstance(out, Rejected) and reason in out.reason, (reason, out)


@pytest.mark.parametrize(
    ("before", "after", "allowed"),
    [
        (S.ANNOUNCEMENT, S.REGISTRATION, True),
        (S.ANNOUNCEMENT, S.CONTRACT, True),  # e-purchasing skips the tender stages
        (S.EVALUATION, S.FAILED, True),
        (S.AWARD, S.EVALUATION, False),
        (S.CONTRACT, S.FAILED, False),
        (S.FAILED, S.ANNOUNCEMENT, False),
    ],
)
def test_stages_only_move_forward_and_close(before: S, after: S, allowed: bool) -> None:
    if allowed:
        check_move(before, after)
    else:
        with pytest.raises(ValueError):
            check_move(before, after)


async def test_every_stage_move_and_the_signature_are_one_event_each(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("paket", [paket()])
        for day, stage in enumerate((20, 30, 40, 50, 60, 70), start=1):
            await rt.ingest("paket", [at(day, tahap=stage)])
            await rt.ingest("paket", [at(day, tahap=stage)])  # pushed and pulled: same version
        await rt.ingest("kontrak", [kontrak()])
        events = await tap.new()
        moves = [(e["data"]["from"], e["data"]["to"]) for e in events if "stage" in e["type"]]
        assert moves[0] == (None, "announcement") and moves[-1] == ("objection", "contract")
        assert len(moves) == 7 and events[0]["data"]["commitmentOfficerPositionId"] == "10002"
        [signed] = [e for e in events if e["type"].endswith("contract.signed")]
        assert signed["subject"] == "602.1/001/SPK/PUPR/2026" and signed["opd"] == "UKPBJ"
        assert signed["data"]["packageId"] == RUP and signed["data"]["value"] == "4512000000.00"
        amended = kontrak(
            nilai_kontrak="4.700.000.000,00",
            tgl_selesai_kerja="21-11-2026",
            diubah_pada="01-09-2026 10:00:00.000",
        )
        await rt.ingest("kontrak", [amended])
        [addendum] = await tap.new()
        assert addendum["data"]["valueTo"] == "4700000000.00"
        assert addendum["data"]["endsOnFrom"] == "2026-10-22"


async def test_a_package_moving_back_or_after_its_contract_is_quarantined(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("paket", [at(1, tahap=50)])
        await tap.new()
        assert (await rt.ingest("paket", [at(2, tahap=30)])).quarantined == 1
        await rt.ingest("paket", [at(3, tahap=70)])
        assert (await rt.ingest("paket", [at(4, tahap=90)])).quarantined == 1
        assert [e["data"]["to"] for e in await tap.new()] == ["contract"]
        reasons = sorted(d["reason"] for d in (await rt.quarantine.coll.find()).items)
        assert reasons == ["domain: package is closed at contract; it cannot move to failed"]
        # the clean move to contract resolved the first refusal; the second is a new entry
        assert (await rt.quarantine.coll.get(f"package:{RUP}"))["count"] == 1
        assert (await rt.collection("package").get(RUP))["stage"] == "contract"


async def test_older_snapshots_are_ignored(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("paket", [at(2, tahap=40)])
        result = await rt.ingest("paket", [at(1, tahap=20)])
        assert result.outdated == 1 and result.quarantined == 0
        assert [e["data"]["to"] for e in await tap.new()] == ["evaluation"]


def test_seeded_packages_point_at_planned_activities_and_real_positions() -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    for _ in range(80):
        sim.act_randomly()
    planned = Simulator(EPLANNING, seed=20170717).table("kegiatan").records
    jabatan = Simulator(SIMPEG, seed=20170717).table("jabatan").records
    packages = sim.table("paket").records
    for rec in packages.values():
        assert rec["kd_keg"] in planned and rec["ppk"] in jabatan
        assert jabatan[rec["ppk"]]["kd_unit_kerja"] == rec["satker"]
    for contract in sim.table("kontrak").records.values():
        assert packages[contract["kode_rup"]]["tahap"] == 70


async def test_an_activity_lists_its_packages_with_stage_contract_and_ppk(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    async with open_rt(SPEC) as rt:
        result = await sync_all(sim, rt)
        assert result.quarantined == 0
        code = next(iter(sim.table("paket").records.values()))["kd_keg"]
        q = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Activity {
          procurementPackages { id stage ceiling commitmentOfficer { id }
            contract { number vendor package { id } } } } } }"""
        [entity] = (await query(SCHEMA, rt, q, r=[{"__typename": "Activity", "code": code}]))[
            "_entities"
        ]
        expected = sorted(
            r["kode_rup"] for r in sim.table("paket").records.values() if r["kd_keg"] == code
        )
        assert [p["id"] for p in entity["procurementPackages"]] == expected
        for p in entity["procurementPackages"]:
            assert (p["contract"] is not None) == (p["stage"] == "CONTRACT")
            if p["contract"]:
                assert p["contract"]["package"] == {"id": p["id"]}
