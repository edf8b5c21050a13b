"""The UKPBJ application's data and workflow: RUP packages announced for the activities of
the APBD, moving through their selection stages to a contract (or failing), and addenda."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from services.domain.regency import KECAMATAN
from services.kit.converters import ddmmyyyy as parse_date
from services.kit.converters import rupiah as parse_rupiah
from services.kit.simulator.actions import pick, today
from services.kit.simulator.core import ActionError, Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy, rupiah
from services.kit.simulator.rkpd import INITIAL_ACTIVITIES, ActivityRef, activity
from services.kit.simulator.table import Record, upstream_tables

PAKET, KONTRAK = "paket", "kontrak"
E_PURCHASING, LANGSUNG, TENDER, SELEKSI, PENUNJUKAN, TENDER_CEPAT = 1, 2, 3, 4, 5, 6
BARANG, KONSTRUKSI, KONSULTANSI, JASA_LAIN = 1, 2, 3, 4
KONTRAK_TTD, GAGAL = 70, 90
_STAGES = {  # the stages each method goes through (SPSE's tahap codes)
    E_PURCHASING: (10, 70),
    LANGSUNG: (10, 30, 40, 70),
    PENUNJUKAN: (10, 30, 40, 70),
    TENDER: (10, 20, 30, 40, 50, 60, 70),
    TENDER_CEPAT: (10, 30, 40, 50, 70),
    SELEKSI: (10, 20, 30, 40, 50, 60, 70),
}
_FIELD_WORK = {
    "PUPR": (
        KONSTRUKSI,
        (
            "Peningkatan Jalan {a} - {b}",
            "Rehabilitasi Jalan Lingkar {a}",
            "Rehabilitasi Saluran Irigasi D.I. {a}",
        ),
    ),
    "DISDIK": (
        KONSTRUKSI,
        (
            "Rehabilitasi Ruang Kelas SD Negeri di Kecamatan {a}",
            "Pembangunan Ruang Kelas Baru SMP Negeri {n} {a}",
        ),
    ),
    "DINKES": (
        BARANG,
        ("Pengadaan Alat Kesehatan Puskesmas {a}", "Pembangunan Gedung Puskesmas Pembantu {a}"),
    ),
}
_OFFICE = (
    "Pengadaan Komputer dan Printer {opd}",
    "Belanja Alat Tulis Kantor {opd}",
    "Jasa Konsultansi Penyusunan Dokumen {opd}",
    "Pengadaan Perangkat Jaringan {opd}",
)
_VENDORS = (
    "CV Karya Bedagai Utama",
    "PT Sergai Bangun Persada",
    "CV Pantai Cermin Lestari",
    "CV Sipispis Sarana Teknik",
    "PT Kotarih Mitra Sejati",
    "CV Pegajahan Makmur",
    "PT Bintang Bayu Konstruksi",
    "CV Silinda Data Solusi",
)
Changes = list[tuple[str, Record]]


def _new_package(sim: Simulator, ref: ActivityRef, ceiling: Decimal, announced: date) -> Record:
    rng = sim.rng
    category, templates = _FIELD_WORK.get(ref.opd, (BARANG, _OFFICE))
    a, b = rng.sample(KECAMATAN, 2)
    name = rng.choice(templates).format(a=a, b=b, n=rng.randint(1, 4), opd=ref.opd)
    if name.startswith("Jasa Konsultansi"):
        category = KONSULTANSI
    small = ceiling <= 200_000_000
    method = {KONSULTANSI: SELEKSI, KONSTRUKSI: TENDER}.get(category, E_PURCHASING)
    if small:
        method = LANGSUNG
    elif method == TENDER and rng.random() < 0.2:
        method = TENDER_CEPAT
    hps = (
        ""
        if method == E_PURCHASING
        else rupiah((ceiling * rng.randint(95, 99) / 100).quantize(Decimal(1)))
    )
    serial = len(sim.table(PAKET).records) + 1
    return {
        "kode_rup": str(41_500_000 + serial * 10 + rng.randint(0, 9)),
        "nama_paket": name,
        "kd_keg": ref.code,
        "satker": ref.opd,
        "ta": announced.year,
        "mtd_pemilihan": method,
        "jenis_pengadaan": category,
        "pagu_paket": rupiah(ceiling),
        "nilai_hps": hps,
        "tahap": 10,
        "tgl_umumkan": ddmmyyyy(announced),
        "lokasi": a if ref.opd in _FIELD_WORK else "Sei Rampah",
        "ppk": ref.ppk_position,
    }


def _contract(sim: Simulator, paket: Record, day: date) -> Record:
    rng = sim.rng
    basis = parse_rupiah(paket["nilai_hps"] or paket["pagu_paket"])
    serial = len(sim.table(KONTRAK).records) + 1
    start = day + timedelta(days=rng.randint(0, 7))
    npwp = f"{rng.randint(1, 99):02d}.{rng.randint(0, 999):03d}.{rng.randint(0, 999):03d}.{rng.randint(0, 9)}-114.000"  # noqa: E501
    return {
        "no_kontrak": f"602.1/{serial:03d}/SPK/{paket['satker']}/{day.year}",
        "kode_rup": paket["kode_rup"],
        "nama_penyedia": rng.choice(_VENDORS),
        "npwp": npwp,
        "nilai_kontrak": rupiah((basis * rng.randint(86, 99) / 100).quantize(Decimal(1))),
        "tgl_kontrak": ddmmyyyy(day),
        "tgl_mulai_kerja": ddmmyyyy(start),
        "tgl_selesai_kerja": ddmmyyyy(start + timedelta(days=rng.choice((45, 90, 120, 150)))),
    }


def _next_stage(paket: Record) -> int:
    stages = _STAGES[paket["mtd_pemilihan"]]
    return stages[stages.index(paket["tahap"]) + 1]


def _open(rec: Record) -> bool:
    return rec["tahap"] not in (KONTRAK_TTD, GAGAL)


def _move(sim: Simulator, paket: Record, stage: int, day: date) -> Changes:
    changes: Changes = [(PAKET, sim.save(PAKET, {**paket, "tahap": stage}))]
    if stage == KONTRAK_TTD:
        changes.append((KONTRAK, sim.save(KONTRAK, _contract(sim, paket, day))))
    return changes


def advance(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """The next stage of the package's method; at the contract stage the contract is signed."""
    paket = pick(sim, PAKET, params, "kode_rup", lambda r: _open(r) and _next_stage(r) > 0)
    return _move(sim, paket, _next_stage(paket), today(sim))


def fail(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Tender gagal: no acceptable bid (only competitive methods, after bids came in)."""
    paket = pick(
        sim,
        PAKET,
        params,
        "kode_rup",
        lambda r: (
            r["mtd_pemilihan"] in (TENDER, TENDER_CEPAT, SELEKSI) and 30 <= r["tahap"] < KONTRAK_TTD
        ),
    )
    return [(PAKET, sim.save(PAKET, {**paket, "tahap": GAGAL}))]


def announce(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """A new package is announced for an activity (``kd_keg``) of the nomenclature."""
    try:
        ref = (
            activity(str(params["kd_keg"]))
            if params.get("kd_keg")
            else sim.rng.choice(INITIAL_ACTIVITIES)
        )
    except KeyError:
        raise ActionError(f"{params['kd_keg']!r} is not an activity of the RKPD") from None
    ceiling = Decimal(sim.rng.randint(5, max(5, ref.indicative_ceiling // 4_000_000))) * 1_000_000
    paket = _new_package(sim, ref, ceiling, today(sim))
    return [(PAKET, sim.save(PAKET, paket))]


def _amendable(rec: Record) -> bool:
    return bool(parse_date(rec["tgl_selesai_kerja"])) and parse_rupiah(rec["nilai_kontrak"]) > 0


def amend(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Adendum: the contract value changes by up to ±10% and the work gets 30 more days."""
    kontrak = pick(sim, KONTRAK, params, "no_kontrak", _amendable)
    value = parse_rupiah(kontrak["nilai_kontrak"]) * (100 + sim.rng.randint(-10, 10)) / 100
    end = parse_date(kontrak["tgl_selesai_kerja"]) + timedelta(days=30)
    kontrak.update(
        nilai_kontrak=rupiah(value.quantize(Decimal(1))), tgl_selesai_kerja=ddmmyyyy(end)
    )
    return [(KONTRAK, sim.save(KONTRAK, kontrak))]


def seed(sim: Simulator) -> None:
    """Packages for the activities of this year's APBD, older ones further along."""
    day = today(sim)
    for ref in INITIAL_ACTIVITIES:
        big = ref.indicative_ceiling >= 5_000_000_000
        count = sim.rng.randint(2, 3) if big else int(sim.rng.random() < 0.7)
        for _ in range(count):
            share = Decimal(sim.rng.randint(15, 85 // max(count, 1))) / 100
            ceiling = (ref.indicative_ceiling * share).quantize(Decimal(1_000_000))
            age = sim.rng.randint(3, 200)
            announced = max(day - timedelta(days=age), date(day.year, 1, 10))
            paket = sim.save(PAKET, _new_package(sim, ref, ceiling, announced))
            stages = _STAGES[paket["mtd_pemilihan"]]
            reached = min(len(stages) - 1, age // 25)
            for stage in stages[1 : reached + 1]:
                _move(
                    sim,
                    dict(sim.table(PAKET).records[paket["kode_rup"]]),
                    stage,
                    announced + timedelta(days=age // 2),
                )


WORKFLOW = Workflow(
    name="Pengadaan (SiRUP/SPSE) — UKPBJ Kabupaten Serdang Bedagai",
    tables=upstream_tables(paket="kode_rup", kontrak="no_kontrak"),
    seed=seed,
    actions={"lanjutkan_tahap": advance, "gagalkan": fail, "umumkan": announce, "adendum": amend},
    weights={"lanjutkan_tahap": 4, "gagalkan": 0.3, "umumkan": 1, "adendum": 0.3},
)
