"""Planning (Bappeda e-Planning): RKPD records map to activities; creation, stage moves and
target revisions become one event each; a plan never moves backwards."""

from decimal import Decimal
from typing import Any

from svc_helpers import EventTap, apply, query, sync_all

from services.kit.graphql.schema import build_schema
from services.kit.mapping import Mapped, Rejected, map_record
from services.kit.simulator.core import Simulator
from services.kit.simulator.rkpd import ACTIVITIES, INITIAL_ACTIVITIES
from services.personnel.upstream.workflow import WORKFLOW as SIMPEG
from services.planning.bootstrap import SPEC
from services.planning.mapping import ACTIVITY

SCHEMA = build_schema(SPEC)
CODE = "1.03.10.2.01"


def kegiatan(**changes: Any) -> dict[str, Any]:
    rec = {
        "kd_kegiatan": CODE,
        "nm_kegiatan": "Penyelenggaraan Jalan Kabupaten/Kota",
        "kd_program": "1.03.10",
        "kd_skpd": "PUPR",
        "tahun": 2026,
        "kd_tahapan": 3,
        "tgl_tahapan": "14-02-2026",
        "id_jabatan_pptk": "10010",
        "pagu_indikatif": "38.500.000.000,00",
        "lokasi": "Sei Rampah; Perbaungan",
        "indikator": [
            {
                "kd_indikator": f"{CODE}.01",
                "tolok_ukur": "Panjang jalan mantap",
                "satuan": "km",
                "target": "412,50",
            },
            {
                "kd_indikator": f"{CODE}.02",
                "tolok_ukur": "Jalan mantap",
                "satuan": "%",
                "target": "85",
            },
        ],
        "diubah_pada": "02-03-2026 09:00:00.000",
    }
    rec.update(changes)
    return rec


def later(rec: dict[str, Any], minute: int) -> dict[str, Any]:
    return {**rec, "diubah_pada": f"02-03-2026 09:{minute:02d}:00.000"}


def test_a_kegiatan_maps_codes_dates_numbers_and_nested_indicators() -> None:
    out = map_record(ACTIVITY, kegiatan())
    assert isinstance(out, Mapped)
    assert out.id == CODE and out.doc["stage"] == "musrenbang"
    assert out.doc["stage_since"] == "2026-02-14"
    assert out.model.indicative_ceiling == Decimal("38500000000.00")
    assert out.doc["locations"] == ["Sei Rampah", "Perbaungan"]
    assert [i.target for i in out.model.indicators] == [Decimal("412.50"), Decimal("85.00")]
    assert out.doc["indicators"][0]["unit"] == "km"
    assert out.revision == "2026-03-02T02:00:00Z"  # 09:00 WIB


def test_bad_kegiatan_records_are_rejected_with_reasons() -> None:
    cases = {
        "unknown kd_tahapan code 9": kegiatan(kd_tahapan=9),
        "indikator #1: not a rupiah amount": kegiatan(
            indikator=[
                {"kd_indikator": "x", "tolok_ukur": "Jalan", "satuan": "km", "target": "banyak"}
            ]
        ),
        "not a kecamatan of Serdang Bedagai: Medan Baru": kegiatan(lokasi="Medan Baru"),
        "is not under program 1.03.02": kegiatan(kd_program="1.03.02"),
        "indicators": kegiatan(indikator=[]),
        "not a dd-mm-yyyy date": kegiatan(tgl_tahapan="2026-02-14"),
    }
    for reason, raw in cases.items():
        out = map_record(ACTIVITY, raw)
        assert isinstance(out, Rejected), reason
        assert reason in out.reason and out.upstream_id == CODE


async def test_creation_stage_move_and_target_revision_are_one_event_each(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("kegiatan", [kegiatan()])
        [created] = await tap.new()
        assert created["type"] == SPEC.event_type("activity.created")
        assert created["subject"] == CODE and created["opd"] == "BAPPEDA"
        assert created["data"]["responsiblePositionId"] == "10010"
        assert created["data"]["indicators"][0]["target"] == "412.50"
        assert created["data"]["upstreamChangedAt"] == "2026-03-02T02:00:00Z"  # 09:00 WIB
        await rt.ingest("kegiatan", [later(kegiatan(kd_tahapan=4, tgl_tahapan="01-03-2026"), 1)])
        [moved] = await tap.new()
        assert moved["data"]["from"] == "musrenbang" and moved["data"]["to"] == "final_draft"
        rows = kegiatan()["indikator"]
        revised = [rows[0], {**rows[1], "target": "87,50"}]
        await rt.ingest(
            "kegiatan",
            [later(kegiatan(kd_tahapan=4, tgl_tahapan="01-03-2026", indikator=revised), 2)],
        )
        [target] = await tap.new()
        assert target["type"].endswith("activity.target_revised")
        assert target["data"]["revisions"] == [
            {
                "indicatorCode": f"{CODE}.02",
                "indicator": "Jalan mantap",
                "unit": "%",
                "from": "85.00",
                "to": "87.50",
            }
        ]
        assert [e["entityversion"] for e in (created, moved, target)] == [1, 2, 3]


async def test_a_correction_without_status_meaning_emits_nothing(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("kegiatan", [kegiatan()])
        await tap.new()
        result = await rt.ingest("kegiatan", [later(kegiatan(lokasi="Kotarih"), 5)])
        assert result.applied == 1 and await tap.new() == []
        assert (await rt.collection("activity").get(CODE))["locations"] == ["Kotarih"]


async def test_duplicates_and_older_versions_change_nothing(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        v1, v2 = kegiatan(), later(kegiatan(kd_tahapan=4), 1)
        await rt.ingest("kegiatan", [v1])
        await rt.ingest("kegiatan", [v2])
        assert len(await tap.new()) == 2
        again, late = await rt.ingest("kegiatan", [v2]), await rt.ingest("kegiatan", [v1])
        assert (again.duplicates, late.outdated) == (1, 1)
        assert await tap.new() == []
        assert (await rt.collection("activity").get(CODE))["stage"] == "final_draft"


async def test_a_stage_moving_back_is_quarantined_not_applied(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("kegiatan", [kegiatan(kd_tahapan=5)])
        await tap.new()
        result = await rt.ingest("kegiatan", [later(kegiatan(kd_tahapan=2), 1)])
        assert result.quarantined == 1 and await tap.new() == []
        [held] = (await rt.quarantine.coll.find()).items
        assert "cannot move back from enacted to draft" in held["reason"]
        assert (await rt.collection("activity").get(CODE))["stage"] == "enacted"


def _content(sim: Simulator) -> list[dict[str, Any]]:
    return [
        {k: v for k, v in r.items() if k != "diubah_pada"}
        for r in sim.table("kegiatan").records.values()
    ]


def test_the_simulator_is_deterministic_and_joins_the_other_applications() -> None:
    a, b = Simulator(SPEC.workflow, seed=9), Simulator(SPEC.workflow, seed=9)
    assert _content(a) == _content(b) != _content(Simulator(SPEC.workflow, seed=10))
    assert set(a.table("kegiatan").records) == {x.code for x in INITIAL_ACTIVITIES}
    jabatan = Simulator(SIMPEG, seed=9).table("jabatan").records
    assert all(r["id_jabatan_pptk"] in jabatan for r in a.table("kegiatan").records.values())
    assert len({x.code for x in ACTIVITIES}) == len(ACTIVITIES)


async def test_the_rkpd_revision_adds_activities_until_the_nomenclature_is_planned(
    open_rt: Any,
) -> None:
    sim = Simulator(SPEC.workflow, seed=4)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        tap = EventTap(rt)
        await tap.new()
        for _ in range(len(ACTIVITIES) - len(INITIAL_ACTIVITIES)):
            await apply(rt, sim.act("tambah_kegiatan"))
        assert await tap.types() == ["activity.created"] * 3
        data = await query(SCHEMA, rt, "{ activities(first: 100) { items { code } } }")
        assert len(data["activities"]["items"]) == len(ACTIVITIES)


async def test_the_subgraph_answers_the_plan_side_of_the_flagship_query(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=4)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        q = """query($code: ID!) { activity(code: $code) { code opd stage indicativeCeiling
          indicators { name unit target } responsiblePosition { id } program { code name } } }"""
        activity = (await query(SCHEMA, rt, q, code=CODE))["activity"]
        assert activity["opd"] == "PUPR" and activity["responsiblePosition"] == {"id": "10010"}
        assert activity["program"] == {"code": "1.03.10", "name": "Program Penyelenggaraan Jalan"}
        assert activity["indicativeCeiling"] == "38500000000.00"
        q = '{ programs(opd: "PUPR") { items { code activities { code } } } }'
        programs = (await query(SCHEMA, rt, q))["programs"]["items"]
        assert {"code": "1.03.10", "activities": [{"code": CODE}]} in programs
        q = (
            '{ _entities(representations: [{__typename: "Activity", code: "9.99.99.2.99"}]) '
            "{ ... on Activity { code } } }"
        )
        assert (await query(SCHEMA, rt, q))["_entities"] == [None]
