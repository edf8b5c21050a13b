"""e-Planning's data and workflow: RKPD activities move through the stages, targets are
revised, and the RKPD revision (perubahan) adds activities."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.domain.regency import KECAMATAN
from services.kit.converters import rupiah as parse_number  # "412,50" like an amount
from services.kit.simulator.actions import pick, today
from services.kit.simulator.core import ActionError, Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy, rupiah
from services.kit.simulator.rkpd import ACTIVITIES, INITIAL_ACTIVITIES, ActivityRef, activity
from services.kit.simulator.table import Record, upstream_tables

PROGRAM, KEGIATAN = "program", "kegiatan"
ENACTED = 5
_FIELD_WORK = ("DISDIK", "DINKES", "PUPR")  # activities spread over kecamatan
Changes = list[tuple[str, Record]]


def _target(sim: Simulator, unit: str) -> Decimal:
    rng = sim.rng
    if unit == "%":
        return Decimal(rng.randint(6000, 9800)) / 100
    if unit == "km":
        return Decimal(rng.randint(25000, 48000)) / 100
    if unit in ("dokumen", "laporan", "indeks"):
        return Decimal(rng.randint(1, 4))
    return Decimal(rng.randint(5, 500))


def _locations(sim: Simulator, ref: ActivityRef) -> str:
    if ref.opd not in _FIELD_WORK:
        return "Sei Rampah"  # the offices are in the capital
    return "; ".join(sorted(sim.rng.sample(KECAMATAN, sim.rng.randint(2, 5))))


def _program(sim: Simulator, ref: ActivityRef) -> Record:
    p = ref.program
    return {"kd_program": p.code, "nm_program": p.name, "kd_skpd": p.opd, "tahun": today(sim).year}


def _kegiatan(sim: Simulator, ref: ActivityRef, stage: int, since: date) -> Record:
    rows = [
        {
            "kd_indikator": f"{ref.code}.{n:02d}",
            "tolok_ukur": name,
            "satuan": unit,
            "target": rupiah(_target(sim, unit)),
        }
        for n, (name, unit) in enumerate(ref.indicators, start=1)
    ]
    return {
        "kd_kegiatan": ref.code,
        "nm_kegiatan": ref.name,
        "kd_program": ref.program.code,
        "kd_skpd": ref.opd,
        "tahun": today(sim).year,
        "kd_tahapan": stage,
        "tgl_tahapan": ddmmyyyy(since),
        "id_jabatan_pptk": ref.pptk_position,
        "pagu_indikatif": rupiah(ref.indicative_ceiling),
        "lokasi": _locations(sim, ref),
        "indikator": rows,
    }


def advance(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """The next tahapan (e.g. musrenbang → rancangan akhir)."""
    rec = pick(sim, KEGIATAN, params, "kd_kegiatan", lambda r: r["kd_tahapan"] < ENACTED)
    rec.update(kd_tahapan=rec["kd_tahapan"] + 1, tgl_tahapan=ddmmyyyy(today(sim)))
    return [(KEGIATAN, sim.save(KEGIATAN, rec))]


def _has_targets(rec: Record) -> bool:
    return bool(rec["indikator"]) and all(parse_number(i["target"]) >= 0 for i in rec["indikator"])


def revise_target(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """A target of one indicator changes (``target`` as e-Planning writes it, or ±5–20%)."""
    rec = pick(sim, KEGIATAN, params, "kd_kegiatan", _has_targets)
    rows = [dict(r) for r in rec["indikator"]]
    wanted = params.get("kd_indikator")
    row = next((r for r in rows if r["kd_indikator"] == wanted), None) if wanted else None
    row = row or sim.rng.choice(rows)
    if params.get("target"):
        row["target"] = str(params["target"])
    else:
        old = parse_number(row["target"])
        factor = Decimal(sim.rng.choice((-1, 1)) * sim.rng.randint(5, 20)) / 100
        row["target"] = rupiah(max(Decimal(1), (old * (1 + factor)).quantize(Decimal("0.01"))))
    rec["indikator"] = rows
    return [(KEGIATAN, sim.save(KEGIATAN, rec))]


def add_activity(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """The RKPD revision adds an activity of the nomenclature not planned yet."""
    table = sim.table(KEGIATAN)
    if params.get("kd_kegiatan"):
        try:
            ref = activity(str(params["kd_kegiatan"]))
        except KeyError:
            raise ActionError(f"{params['kd_kegiatan']!r} is not in the nomenclature") from None
        if table.get(ref.code):
            raise ActionError(f"kegiatan {ref.code} is already planned")
    else:
        missing = [a for a in ACTIVITIES if table.get(a.code) is None]
        if not missing:
            raise ActionError("every activity of the nomenclature is planned")
        ref = missing[0]
    changes: Changes = []
    if sim.table(PROGRAM).get(ref.program.code) is None:
        changes.append((PROGRAM, sim.save(PROGRAM, _program(sim, ref))))
    changes.append((KEGIATAN, sim.save(KEGIATAN, _kegiatan(sim, ref, 1, today(sim)))))
    return changes


def relocate(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """A correction of the locations only (no status event expected)."""
    rec = pick(sim, KEGIATAN, params, "kd_kegiatan", lambda r: r["kd_skpd"] in _FIELD_WORK)
    rec["lokasi"] = params.get("lokasi") or "; ".join(sorted(sim.rng.sample(KECAMATAN, 3)))
    return [(KEGIATAN, sim.save(KEGIATAN, rec))]


def seed(sim: Simulator) -> None:
    """The RKPD of this year: most activities enacted, some still in an earlier stage."""
    day = today(sim)
    for ref in INITIAL_ACTIVITIES:
        if sim.table(PROGRAM).get(ref.program.code) is None:
            sim.save(PROGRAM, _program(sim, ref))
        stage = ENACTED if sim.rng.random() < 0.6 else sim.rng.randint(2, 4)
        since = day - timedelta(days=sim.rng.randint(5, 120))
        sim.save(KEGIATAN, _kegiatan(sim, ref, stage, since))


WORKFLOW = Workflow(
    name="e-Planning RKPD — Bappeda Kabupaten Serdang Bedagai",
    tables=upstream_tables(program="kd_program", kegiatan="kd_kegiatan"),
    seed=seed,
    actions={
        "majukan_tahapan": advance,
        "revisi_target": revise_target,
        "tambah_kegiatan": add_activity,
        "ubah_lokasi": relocate,
    },
    weights={"majukan_tahapan": 2, "revisi_target": 3, "tambah_kegiatan": 0.2, "ubah_lokasi": 1},
)
