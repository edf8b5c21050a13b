"""Finance (BPKD e-Budgeting): budget lines and SP2D map from the treasury's own shapes;
pagu revisions, realisasi and issued SP2D become events; an issued SP2D never goes back."""

from decimal import Decimal
from typing import Any

from svc_helpers import EventTap, apply, query, sync_all

from services.finance.bootstrap import SPEC
from services.finance.mapping import BUDGET_LINE, DISBURSEMENT
from services.kit.converters import rupiah
from services.kit.graphql.schema import build_schema
from services.kit.mapping import EntityMapping, Mapped, Rejected, map_record
from services.kit.simulator.core import Simulator
from services.planning.upstream.workflow import WORKFLOW as EPLANNING

SCHEMA = build_schema(SPEC)
LINE = "2026-1.03.10.2.01"


def anggaran(**changes: Any) -> dict[str, Any]:
    rec = {
        "id_anggaran": LINE,
        "tahun_anggaran": 2026,
        "kode_kegiatan": "1.03.10.2.01",
        "kode_skpd": "PUPR",
        "no_dpa": "DPA/1.03.10.2.01/PUPR/2026",
        "status_anggaran": 1,
        "pagu": "38.250.000.000,00",
        "realisasi": "0,00",
        "versi": 1,
        "diubah_pada": "02-01-2026 08:00:00.000",
    }
    rec.update(changes)
    return rec


def sp2d(**changes: Any) -> dict[str, Any]:
    rec = {
        "nomor_sp2d": "0001/SP2D-LS/BPKD/2026",
        "kode_kegiatan": "1.03.10.2.01",
        "tahun_anggaran": 2026,
        "jenis_sp2d": 4,
        "status": 1,
        "tanggal_sp2d": "",
        "nilai_sp2d": "1.250.000.000,00",
        "nama_penerima": "CV Bedagai Karya",
        "keterangan": "Belanja modal",
        "diubah_pada": "02-03-2026 10:00:00.000",
    }
    rec.update(changes)
    return rec


def test_amounts_dates_and_codes_become_canonical_values() -> None:
    line = map_record(BUDGET_LINE, anggaran(realisasi="12.345.678,90", status_anggaran=3))
    assert isinstance(line, Mapped)
    assert line.model.ceiling == Decimal("38250000000.00")
    assert line.doc["realisation"] == "12345678.90" and line.doc["phase"] == "amended"
    assert line.revision == 1
    paid = map_record(DISBURSEMENT, sp2d(status=2, tanggal_sp2d="05-03-2026", jenis_sp2d=2))
    assert isinstance(paid, Mapped)
    assert paid.doc["issued_on"] == "2026-03-05" and paid.doc["kind"] == "GU"
    assert paid.doc["status"] == "issued" and paid.doc["amount"] == "1250000000.00"
    assert isinstance(pending := map_record(DISBURSEMENT, sp2d()), Mapped)
    assert pending.doc["issued_on"] is None


def test_impossible_money_is_rejected() -> None:
    cases: list[tuple[EntityMapping[Any], dict[str, Any], str]] = [
        (BUDGET_LINE, anggaran(realisasi="40.000.000.000,00"), "exceeds the pagu"),
        (BUDGET_LINE, anggaran(pagu="38.25.000,00"), "bad thousands grouping"),
        (BUDGET_LINE, anggaran(status_anggaran=7), "unknown status_anggaran code 7"),
        (DISBURSEMENT, sp2d(status=2), "an issued SP2D needs its date"),
        (DISBURSEMENT, sp2d(status=2, tanggal_sp2d="30-12-2025"), "outside fiscal year"),
        (DISBURSEMENT, sp2d(nilai_sp2d="0,00"), "greater than 0"),
    ]
    for mapping, raw, reason in cases:
        out = map_record(mapping, raw)
        assert isinstance(out, Rejected) and reason in out.reason, (reason, out)


async def test_a_budget_line_sets_its_pagu_then_revisions_and_realisasi_follow(
    open_rt: Any,
) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("anggaran", [anggaran()])
        [first] = await tap.new()  # realisasi 0: nothing realised yet, only the pagu
        assert first["type"] == SPEC.event_type("budget.revised")
        assert first["data"]["from"] is None and first["data"]["to"] == "38250000000.00"
        assert first["subject"] == LINE and first["opd"] == "BPKD"
        assert first["data"]["upstreamChangedAt"] == "2026-01-02T01:00:00Z"
        await rt.ingest("anggaran", [anggaran(versi=2, realisasi="19.125.000.000,00")])
        [real] = await tap.new()
        assert real["type"].endswith("budget.realisation_updated")
        assert (real["data"]["from"], real["data"]["to"]) == ("0.00", "19125000000.00")
        assert real["data"]["percent"] == 50.0
        await rt.ingest(
            "anggaran",
            [
                anggaran(
                    versi=3,
                    realisasi="19.125.000.000,00",
                    pagu="40.000.000.000,00",
                    status_anggaran=2,
                )
            ],
        )
        [revised] = await tap.new()
        assert revised["type"].endswith("budget.revised")
        assert revised["data"]["phase"] == "shifted" and revised["data"]["from"] == "38250000000.00"


async def test_an_sp2d_is_issued_once_and_never_goes_back(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        tap = EventTap(rt)
        await rt.ingest("sp2d", [sp2d()])
        assert await tap.new() == []  # in process: not a payment yet
        issued = sp2d(status=2, tanggal_sp2d="05-03-2026", diubah_pada="05-03-2026 10:00:00.000")
        await rt.ingest("sp2d", [issued, issued])
        await rt.ingest("sp2d", [sp2d()])  # an old snapshot arrives late
        [event] = await tap.new()
        assert event["type"].endswith("disbursement.issued")
        assert event["data"]["issuedOn"] == "2026-03-05" and event["data"]["kind"] == "LS"
        back = sp2d(diubah_pada="06-03-2026 10:00:00.000")  # a newer record, back in process
        assert (await rt.ingest("sp2d", [back])).quarantined == 1
        [held] = (await rt.quarantine.coll.find()).items
        assert "an SP2D that is issued cannot become processing" in held["reason"]
        doc = await rt.collection("disbursement").get("0001/SP2D-LS/BPKD/2026")
        assert doc["status"] == "issued" and await tap.new() == []


async def test_issuing_in_the_treasury_raises_realisasi_by_the_sp2d(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=21)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        tap = EventTap(rt)
        await tap.new()
        [(_, drawn)] = sim.act("ajukan_sp2d")
        changes = sim.act("terbitkan_sp2d", {"nomor_sp2d": drawn["nomor_sp2d"]})
        await apply(rt, [("sp2d", drawn), *changes])
        events = {e["type"].split(".", 4)[-1]: e for e in await tap.new()}
        assert sorted(events) == ["budget.realisation_updated", "disbursement.issued"]
        real = events["budget.realisation_updated"]["data"]
        assert Decimal(real["to"]) - Decimal(real["from"]) == rupiah(drawn["nilai_sp2d"])


def test_seeded_realisasi_is_the_sum_of_issued_sp2d_and_codes_are_planned() -> None:
    sim = Simulator(SPEC.workflow, seed=20170717)
    for _ in range(60):
        sim.act_randomly()
    sp2d_rows = sim.table("sp2d").records.values()
    planned = set(Simulator(EPLANNING, seed=20170717).table("kegiatan").records)
    for line in sim.table("anggaran").records.values():
        issued = sum(
            (
                rupiah(s["nilai_sp2d"])
                for s in sp2d_rows
                if s["kode_kegiatan"] == line["kode_kegiatan"] and s["status"] == 2
            ),
            Decimal(0),
        )
        assert rupiah(line["realisasi"]) == issued <= rupiah(line["pagu"])
        if line["status_anggaran"] == 1:  # the original APBD funds the original RKPD
            assert line["kode_kegiatan"] in planned


async def test_activities_get_their_budget_in_one_batch(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=3)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        codes = [r["kode_kegiatan"] for r in list(sim.table("anggaran").records.values())[:6]]
        reps = [{"__typename": "Activity", "code": c} for c in [*codes, "9.99.99.2.99"]]
        q = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Activity {
          code budget { ceiling realisation remaining realisationPercent disbursements { number } }
          disbursements { status amount } } } }"""
        finds: list[Any] = []
        coll = rt.collection("budget_line")
        original = coll.find

        async def counting(*args: Any, **kwargs: Any) -> Any:
            finds.append(args)
            return await original(*args, **kwargs)

        coll.find = counting  # type: ignore[method-assign]
        rt.collection = lambda n: coll if n == "budget_line" else rt.store.collection(n)  # type: ignore[method-assign]
        entities = (await query(SCHEMA, rt, q, r=reps))["_entities"]
        assert len(finds) == 1  # seven activities, one store query
        assert entities[-1] == {"code": "9.99.99.2.99", "budget": None, "disbursements": []}
        for entity in entities[:-1]:
            budget = entity["budget"]
            assert Decimal(budget["remaining"]) == Decimal(budget["ceiling"]) - Decimal(
                budget["realisation"]
            )
            assert 0 <= budget["realisationPercent"] <= 100
