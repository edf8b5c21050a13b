"""SiCantik's data and workflow: submissions (diajukan) → verified → approved / rejected."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.domain.regency import KECAMATAN, LICENSING_VERIFIERS
from services.kit.simulator.actions import pick, today
from services.kit.simulator.core import Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy, rupiah
from services.kit.simulator.names import person_name
from services.kit.simulator.table import Clock, Record, Table, upstream_table

RESOURCE = "permohonan"
SUBMITTED, VERIFIED, APPROVED, REJECTED = 10, 20, 30, 40
_BUSINESS = ("CV", "UD", "PT", "Koperasi")
_WORDS = (
    "Maju",
    "Jaya",
    "Sentosa",
    "Bedagai",
    "Sergai",
    "Makmur",
    "Berkah",
    "Cermin",
    "Sejahtera",
    "Mandiri",
    "Agro",
    "Bahari",
    "Sawit",
    "Abadi",
)
_INVESTMENT = {
    1: (150, 5_000),
    2: (500, 8_000),
    3: (0, 0),
    4: (5, 90),
    5: (50, 2_500),
    6: (20, 900),
}
_REASONS = (
    "Berkas persyaratan tidak lengkap",
    "Lokasi tidak sesuai RTRW",
    "Hasil peninjauan lapangan tidak memenuhi syarat",
)


def _new_permit(sim: Simulator, submitted: date, params: Mapping[str, Any]) -> Record:
    rng, table = sim.rng, sim.table(RESOURCE)
    kind = int(params.get("jenis_izin") or rng.choice(list(_INVESTMENT)))
    lo, hi = _INVESTMENT.get(kind, (0, 0))
    value = Decimal(rng.randint(lo, hi)) * 1_000_000
    serial = len(table.records) + 1
    return {
        "no_permohonan": f"503/{serial:04d}/DPMPTSP/{submitted.year}",
        "jenis_izin": kind,
        "nama_pemohon": person_name(rng, rng.choice((1, 2))),
        "nama_usaha": f"{rng.choice(_BUSINESS)} {rng.choice(_WORDS)} {rng.choice(_WORDS)}"
        if kind != 3
        else "",
        "kecamatan": params.get("kecamatan") or rng.choice(KECAMATAN),
        "tgl_permohonan": ddmmyyyy(submitted),
        "kd_status": SUBMITTED,
        "kd_jabatan_verifikator": params.get("kd_jabatan_verifikator")
        or rng.choice(LICENSING_VERIFIERS),
        "nilai_investasi": rupiah(value),
        "tgl_keputusan": "",
        "alasan_penolakan": "",
        "versi": 1,
    }


def _pick(sim: Simulator, params: Mapping[str, Any], *statuses: int) -> Record:
    return pick(sim, RESOURCE, params, "no_permohonan", lambda r: r.get("kd_status") in statuses)


def _move(sim: Simulator, rec: Record, **changes: Any) -> list[tuple[str, Record]]:
    rec.update(changes, versi=int(rec["versi"]) + 1)
    return [(RESOURCE, sim.save(RESOURCE, rec))]


def submit(sim: Simulator, params: Mapping[str, Any]) -> list[tuple[str, Record]]:
    return [(RESOURCE, sim.save(RESOURCE, _new_permit(sim, today(sim), params)))]


def verify(sim: Simulator, params: Mapping[str, Any]) -> list[tuple[str, Record]]:
    return _move(sim, _pick(sim, params, SUBMITTED), kd_status=VERIFIED)


def approve(sim: Simulator, params: Mapping[str, Any]) -> list[tuple[str, Record]]:
    rec = _pick(sim, params, VERIFIED)
    return _move(sim, rec, kd_status=APPROVED, tgl_keputusan=ddmmyyyy(today(sim)))


def reject(sim: Simulator, params: Mapping[str, Any]) -> list[tuple[str, Record]]:
    rec = _pick(sim, params, SUBMITTED, VERIFIED)
    reason = params.get("alasan") or sim.rng.choice(_REASONS)
    return _move(
        sim, rec, kd_status=REJECTED, tgl_keputusan=ddmmyyyy(today(sim)), alasan_penolakan=reason
    )


def correct(sim: Simulator, params: Mapping[str, Any]) -> list[tuple[str, Record]]:
    """A data correction without a status move (e.g. the investment value was mistyped)."""
    rec = _pick(sim, params, SUBMITTED, VERIFIED)
    value = Decimal(sim.rng.randint(1, 5_000)) * 1_000_000
    return _move(sim, rec, nilai_investasi=params.get("nilai_investasi") or rupiah(value))


def seed(sim: Simulator, count: int = 240) -> None:
    """Permits submitted over the last 90 days, older ones further along the workflow."""
    day0 = today(sim)
    for _ in range(count):
        age = sim.rng.randint(0, 90)
        rec = _new_permit(sim, day0 - timedelta(days=age), {})
        roll = sim.rng.random()
        decided = ddmmyyyy(day0 - timedelta(days=sim.rng.randint(0, age)))
        if age > 3 and roll < 0.8:
            rec.update(kd_status=VERIFIED, versi=2)
            if age > 10 and roll < 0.6:
                rec.update(kd_status=APPROVED, tgl_keputusan=decided, versi=3)
            elif age > 10 and roll < 0.7:
                rec.update(
                    kd_status=REJECTED,
                    tgl_keputusan=decided,
                    versi=3,
                    alasan_penolakan=sim.rng.choice(_REASONS),
                )
        sim.save(RESOURCE, rec)


def _tables(clock: Clock) -> list[Table]:
    return [upstream_table(RESOURCE, "no_permohonan", clock)]


WORKFLOW = Workflow(
    name="SiCantik — DPMPTSP Kabupaten Serdang Bedagai",
    tables=_tables,
    seed=seed,
    actions={
        "ajukan": submit,
        "verifikasi": verify,
        "setujui": approve,
        "tolak": reject,
        "koreksi": correct,
    },
    weights={"ajukan": 4, "verifikasi": 3, "setujui": 2, "tolak": 0.5, "koreksi": 0.5},
)
