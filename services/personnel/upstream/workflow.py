"""SIMPEG's data and workflow: appointments, mutations (mutasi/rotasi) and retirements."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from services.domain.regency import POSITIONS
from services.kit.nip import NipParts, make_nip
from services.kit.simulator.actions import today
from services.kit.simulator.core import ActionError, Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy
from services.kit.simulator.names import person_name
from services.kit.simulator.table import Clock, Record, Table, upstream_table

PEGAWAI, JABATAN, RIWAYAT = "pegawai", "jabatan", "riwayat_jabatan"
AKTIF, PENSIUN = 1, 4
PENGANGKATAN, MUTASI, ROTASI = 1, 2, 3
_RANKS = ("II/c", "II/d", "III/a", "III/b", "III/c", "III/d", "IV/a", "IV/b")
Changes = list[tuple[str, Record]]


def _new_employee(sim: Simulator, opd: str) -> Record:
    rng = sim.rng
    sex = rng.choice((1, 2))
    birth = date(rng.randint(1966, 1998), rng.randint(1, 12), rng.randint(1, 28))
    tmt_year = min(birth.year + rng.randint(23, 32), today(sim).year)
    serial = len(sim.table(PEGAWAI).records) + 1
    nip = make_nip(NipParts(birth, tmt_year, rng.choice((1, 3, 12)), sex, serial % 1000))
    return {
        "nip": nip,
        "nama": person_name(rng, sex),
        "tgl_lahir": ddmmyyyy(birth),
        "jenis_kelamin": sex,
        "golongan": rng.choice(_RANKS),
        "kd_status_pegawai": AKTIF,
        "kd_unit_kerja": opd,
        "id_jabatan": "",
        "tmt_jabatan": "",
        "kd_jenis_mutasi": "",
        "no_sk": "",
    }


def _decree(sim: Simulator, day: date) -> str:
    return f"821.2/{len(sim.table(RIWAYAT).records) + 1:04d}/BKD/{day.year}"


def _assign(sim: Simulator, emp: Record, position: str, kind: int, day: date) -> Changes:
    """Close ``emp``'s open assignment, open one for ``position`` and update ``emp``."""
    changes: Changes = []
    previous = emp.get("id_jabatan") or ""
    for rec in list(sim.table(RIWAYAT).records.values()):
        if rec["nip"] == emp["nip"] and not rec["tmt_selesai"]:
            changes.append((RIWAYAT, sim.save(RIWAYAT, {**rec, "tmt_selesai": ddmmyyyy(day)})))
    decree = _decree(sim, day)
    rid = f"R{len(sim.table(RIWAYAT).records) + 1:06d}"
    riwayat = {
        "id_riwayat": rid,
        "nip": emp["nip"],
        "id_jabatan": position,
        "id_jabatan_asal": previous,
        "tmt_mulai": ddmmyyyy(day),
        "tmt_selesai": "",
        "kd_jenis_mutasi": kind,
        "no_sk": decree,
    }
    changes.append((RIWAYAT, sim.save(RIWAYAT, riwayat)))
    emp = {
        **emp,
        "id_jabatan": position,
        "tmt_jabatan": ddmmyyyy(day),
        "kd_jenis_mutasi": kind,
        "no_sk": decree,
    }
    changes.append((PEGAWAI, sim.save(PEGAWAI, emp)))
    return changes


def _holders(sim: Simulator) -> dict[str, Record]:
    return {
        e["id_jabatan"]: e
        for e in sim.table(PEGAWAI).records.values()
        if e.get("kd_status_pegawai") == AKTIF and e.get("id_jabatan")
    }


def _vacant(sim: Simulator, params: Mapping[str, Any]) -> str:
    held = _holders(sim)
    if params.get("id_jabatan"):
        if str(params["id_jabatan"]) in held:
            raise ActionError(f"jabatan {params['id_jabatan']} is not vacant")
        return str(params["id_jabatan"])
    vacant = [p.code for p in POSITIONS if p.code not in held]
    if not vacant:
        raise ActionError("no vacant jabatan")
    return sim.rng.choice(vacant)


def _holder(sim: Simulator, nip: Any) -> Record:
    if nip:
        emp = sim.table(PEGAWAI).get(str(nip))
        if emp is None or emp.get("kd_status_pegawai") != AKTIF or not emp.get("id_jabatan"):
            raise ActionError(f"pegawai {nip} holds no jabatan")
        return emp
    held = list(_holders(sim).values())
    if not held:
        raise ActionError("nobody holds a jabatan")
    return sim.rng.choice(held)


def transfer(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Mutasi: a holder moves to a vacant position."""
    emp, target = _holder(sim, params.get("nip")), _vacant(sim, params)
    return _assign(sim, emp, target, MUTASI, today(sim))


def rotate(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Rotasi: two holders swap positions."""
    a = _holder(sim, params.get("nip_a"))
    b = _holder(sim, params.get("nip_b")) if params.get("nip_b") else None
    if b is None:
        others = [e for e in _holders(sim).values() if e["nip"] != a["nip"]]
        if not others:
            raise ActionError("nobody to rotate with")
        b = sim.rng.choice(others)
    pa, pb, day = a["id_jabatan"], b["id_jabatan"], today(sim)
    return _assign(sim, a, pb, ROTASI, day) + _assign(sim, b, pa, ROTASI, day)


def appoint(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Pengangkatan: a new (or unplaced) ASN is appointed to a vacant position."""
    target = _vacant(sim, params)
    opd = next((p.opd for p in POSITIONS if p.code == target), "BKD")
    emp = sim.table(PEGAWAI).get(str(params["nip"])) if params.get("nip") else None
    if emp is None:
        emp = sim.save(PEGAWAI, _new_employee(sim, opd))
    return _assign(sim, emp, target, PENGANGKATAN, today(sim))


def retire(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Pensiun: the employee leaves; the position becomes vacant."""
    emp, day = _holder(sim, params.get("nip")), today(sim)
    changes: Changes = []
    for rec in list(sim.table(RIWAYAT).records.values()):
        if rec["nip"] == emp["nip"] and not rec["tmt_selesai"]:
            changes.append((RIWAYAT, sim.save(RIWAYAT, {**rec, "tmt_selesai": ddmmyyyy(day)})))
    retired = {**emp, "kd_status_pegawai": PENSIUN, "id_jabatan": "", "no_sk": _decree(sim, day)}
    return [*changes, (PEGAWAI, sim.save(PEGAWAI, retired))]


def seed(sim: Simulator) -> None:
    """Positions from the regency catalogue, ~85% filled, some with an earlier holder."""
    rng, day0 = sim.rng, today(sim)
    for p in POSITIONS:
        sim.save(
            JABATAN,
            {
                "id_jabatan": p.code,
                "nama_jabatan": p.name,
                "kd_jenis_jabatan": p.kind,
                "eselon": p.eselon,
                "kd_unit_kerja": p.opd,
            },
        )
    for p in POSITIONS:
        if rng.random() > 0.85 and not p.name.startswith("Verifikator"):
            continue
        start = day0 - timedelta(days=rng.randint(60, 1500))
        if rng.random() < 0.3:  # an earlier holder, now retired
            old = sim.save(PEGAWAI, _new_employee(sim, p.opd))
            _assign(sim, old, p.code, PENGANGKATAN, start - timedelta(days=rng.randint(400, 2000)))
            _close_and_retire(sim, old["nip"], start)
        emp = sim.save(PEGAWAI, _new_employee(sim, p.opd))
        _assign(sim, emp, p.code, rng.choice((PENGANGKATAN, MUTASI)), start)
    for _ in range(12):  # newly graduated CPNS not yet placed
        sim.save(PEGAWAI, _new_employee(sim, rng.choice(POSITIONS).opd))


def _close_and_retire(sim: Simulator, nip: str, day: date) -> None:
    for rec in list(sim.table(RIWAYAT).records.values()):
        if rec["nip"] == nip and not rec["tmt_selesai"]:
            sim.save(RIWAYAT, {**rec, "tmt_selesai": ddmmyyyy(day)})
    emp = sim.table(PEGAWAI).get(nip) or {}
    sim.save(PEGAWAI, {**emp, "kd_status_pegawai": PENSIUN, "id_jabatan": ""})


def _tables(clock: Clock) -> list[Table]:
    return [
        upstream_table(PEGAWAI, "nip", clock),
        upstream_table(JABATAN, "id_jabatan", clock),
        upstream_table(RIWAYAT, "id_riwayat", clock),
    ]


WORKFLOW = Workflow(
    name="SIMPEG — BKD Kabupaten Serdang Bedagai",
    tables=_tables,
    seed=seed,
    actions={"mutasi": transfer, "rotasi": rotate, "pengangkatan": appoint, "pensiun": retire},
    weights={"mutasi": 3, "rotasi": 2, "pengangkatan": 1, "pensiun": 1},
)
