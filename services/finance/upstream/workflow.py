"""e-Budgeting's data and workflow: the DPA budget lines of the APBD, SP2D drawn up and
issued against them (each issued SP2D raises the line's realisasi), pagu revisions."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.domain.regency import KECAMATAN
from services.kit.converters import rupiah as parse_rupiah
from services.kit.simulator.actions import pick, today
from services.kit.simulator.core import ActionError, Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy, rupiah
from services.kit.simulator.rkpd import ACTIVITIES, INITIAL_ACTIVITIES, ActivityRef, opd_name
from services.kit.simulator.table import Record, upstream_tables

ANGGARAN, SP2D = "anggaran", "sp2d"
MURNI, PERGESERAN, PERUBAHAN = 1, 2, 3
UP, GU, TU, LS = 1, 2, 3, 4
DIPROSES, TERBIT, BATAL = 1, 2, 9
_KIND = {UP: "UP", GU: "GU", TU: "TU", LS: "LS"}
_VENDORS = (
    "CV Bedagai Karya",
    "PT Sergai Konstruksi Utama",
    "CV Tanjung Beringin Jaya",
    "CV Perbaungan Mandiri",
    "PT Sinar Cermin Abadi",
    "CV Sei Rampah Teknik",
    "UD Teluk Mengkudu Sejahtera",
    "PT Dolok Masihul Persada",
)
_PURPOSES = (
    "Belanja modal",
    "Belanja barang dan jasa",
    "Belanja perjalanan dinas",
    "Honorarium narasumber",
    "Belanja jasa konsultansi",
)
Changes = list[tuple[str, Record]]


def _line(sim: Simulator, ref: ActivityRef, phase: int) -> Record:
    year = today(sim).year
    ceiling = Decimal(ref.indicative_ceiling * sim.rng.randint(90, 105) // 100_000_000) * 1_000_000
    return {
        "id_anggaran": f"{year}-{ref.code}",
        "tahun_anggaran": year,
        "kode_kegiatan": ref.code,
        "kode_skpd": ref.opd,
        "no_dpa": f"DPA/{ref.code}/{ref.opd}/{year}",
        "status_anggaran": phase,
        "pagu": rupiah(ceiling),
        "realisasi": rupiah(0),
        "versi": 1,
    }


def _sp2d(sim: Simulator, line: Record, amount: Decimal) -> Record:
    kind = sim.rng.choice((LS, LS, LS, GU, TU))
    serial = len(sim.table(SP2D).records) + 1
    opd, year = line["kode_skpd"], line["tahun_anggaran"]
    recipient = sim.rng.choice(_VENDORS) if kind == LS else f"Bendahara Pengeluaran {opd_name(opd)}"
    return {
        "nomor_sp2d": f"{serial:04d}/SP2D-{_KIND[kind]}/BPKD/{year}",
        "kode_kegiatan": line["kode_kegiatan"],
        "tahun_anggaran": year,
        "jenis_sp2d": kind,
        "status": DIPROSES,
        "tanggal_sp2d": "",
        "nilai_sp2d": rupiah(amount),
        "nama_penerima": recipient,
        "keterangan": f"{sim.rng.choice(_PURPOSES)} — {sim.rng.choice(KECAMATAN)}",
    }


def _pending(sim: Simulator, line: Record) -> Decimal:
    return sum(
        (
            parse_rupiah(s["nilai_sp2d"])
            for s in sim.table(SP2D).records.values()
            if s.get("kode_kegiatan") == line["kode_kegiatan"] and s.get("status") == DIPROSES
        ),
        Decimal(0),
    )


def _headroom(sim: Simulator, line: Record) -> Decimal:
    return parse_rupiah(line["pagu"]) - parse_rupiah(line["realisasi"]) - _pending(sim, line)


def _line_of(sim: Simulator, sp2d: Record) -> Record:
    return sim.table(ANGGARAN).records[f"{sp2d['tahun_anggaran']}-{sp2d['kode_kegiatan']}"]


def _issuable(sim: Simulator, sp2d: Record) -> bool:
    return sp2d["status"] == DIPROSES and _headroom(sim, _line_of(sim, sp2d)) >= 0


def _issue(sim: Simulator, sp2d: Record, day: date) -> Changes:
    """Issue an SP2D and raise its budget line's realisasi, as the treasury posts it."""
    line = dict(_line_of(sim, sp2d))
    line.update(
        realisasi=rupiah(parse_rupiah(line["realisasi"]) + parse_rupiah(sp2d["nilai_sp2d"])),
        versi=line["versi"] + 1,
    )
    issued = {**sp2d, "status": TERBIT, "tanggal_sp2d": ddmmyyyy(day)}
    return [(SP2D, sim.save(SP2D, issued)), (ANGGARAN, sim.save(ANGGARAN, line))]


def request(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """An SPM comes in: an SP2D is drawn up (not yet issued) within the line's headroom."""
    line = pick(sim, ANGGARAN, params, "id_anggaran", lambda r: _headroom(sim, r) >= 10_000_000)
    cap = int(min(_headroom(sim, line), parse_rupiah(line["pagu"]) / 4)) // 1_000_000
    amount = (
        parse_rupiah(str(params["nilai_sp2d"]))
        if params.get("nilai_sp2d")
        else Decimal(sim.rng.randint(5, max(5, cap))) * 1_000_000
    )
    return [(SP2D, sim.save(SP2D, _sp2d(sim, line, amount)))]


def issue(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    sp2d = pick(sim, SP2D, params, "nomor_sp2d", lambda r: _issuable(sim, r))
    return _issue(sim, sp2d, today(sim))


def cancel(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    sp2d = pick(sim, SP2D, params, "nomor_sp2d", lambda r: r["status"] == DIPROSES)
    return [(SP2D, sim.save(SP2D, {**sp2d, "status": BATAL}))]


def revise(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Pergeseran / perubahan: the pagu moves by ±3–10%, never below what is committed."""
    line = pick(sim, ANGGARAN, params, "id_anggaran", lambda r: _headroom(sim, r) >= 0)
    if params.get("pagu"):
        ceiling = parse_rupiah(str(params["pagu"]))
    else:
        factor = 100 + sim.rng.choice((-1, 1)) * sim.rng.randint(3, 10)
        ceiling = Decimal(int(parse_rupiah(line["pagu"]) * factor / 100) // 1_000_000 * 1_000_000)
    floor = parse_rupiah(line["pagu"]) - _headroom(sim, line)
    if ceiling < floor:
        raise ActionError(f"pagu {rupiah(ceiling)} is below what is committed ({rupiah(floor)})")
    phase = int(params.get("status_anggaran") or sim.rng.choice((PERGESERAN, PERUBAHAN)))
    line.update(pagu=rupiah(ceiling), status_anggaran=phase, versi=line["versi"] + 1)
    return [(ANGGARAN, sim.save(ANGGARAN, line))]


def add_line(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """APBD perubahan funds an activity the RKPD revision added."""
    table = sim.table(ANGGARAN)
    year = today(sim).year
    missing = [a for a in ACTIVITIES if table.get(f"{year}-{a.code}") is None]
    wanted = params.get("kode_kegiatan")
    ref = next((a for a in missing if a.code == wanted), None) if wanted else None
    if ref is None and (wanted or not missing):
        raise ActionError(f"no unfunded activity {wanted or ''}".strip())
    line = _line(sim, ref or missing[0], PERUBAHAN)
    return [(ANGGARAN, sim.save(ANGGARAN, line))]


def seed(sim: Simulator) -> None:
    """The APBD of this year, with SP2D issued so far (realisasi = their sum) and a few
    still in process."""
    day = today(sim)
    progress = day.timetuple().tm_yday / 366
    for ref in INITIAL_ACTIVITIES:
        line = sim.save(ANGGARAN, _line(sim, ref, MURNI))
        share = progress * sim.rng.uniform(0.3, 0.95)
        goal = parse_rupiah(line["pagu"]) * Decimal(str(round(share, 3)))
        weights = [sim.rng.uniform(0.3, 1.7) for _ in range(sim.rng.randint(1, 5))]
        parts = len(weights)
        for n, weight in enumerate(weights):
            amount = Decimal(int(goal * Decimal(weight / sum(weights))) // 1000 * 1000)
            if amount <= 0:
                break
            sp2d = sim.save(
                SP2D, _sp2d(sim, sim.table(ANGGARAN).records[line["id_anggaran"]], amount)
            )
            when = day - timedelta(days=int((parts - n) * 20 * sim.rng.uniform(0.5, 1.0)))
            _issue(sim, sp2d, max(when, date(day.year, 1, 15)))
        if sim.rng.random() < 0.3:
            request(sim, {"id_anggaran": line["id_anggaran"]})


WORKFLOW = Workflow(
    name="e-Budgeting — BPKD Kabupaten Serdang Bedagai",
    tables=upstream_tables(anggaran="id_anggaran", sp2d="nomor_sp2d"),
    seed=seed,
    actions={
        "ajukan_sp2d": request,
        "terbitkan_sp2d": issue,
        "batalkan_sp2d": cancel,
        "revisi_pagu": revise,
        "tambah_anggaran": add_line,
    },
    weights={
        "ajukan_sp2d": 3,
        "terbitkan_sp2d": 3,
        "batalkan_sp2d": 0.3,
        "revisi_pagu": 0.5,
        "tambah_anggaran": 0.1,
    },
)
