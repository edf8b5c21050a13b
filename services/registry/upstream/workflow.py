"""Kominfo's registry: the regency's applications moving from plan to production,
readiness assessments (network, data centre, hardware, people) and uptime probes.

The applications Rumah wraps are registered under the ids their services use
(``ServiceSpec.application_id``), so ``Application`` joins across every subgraph.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from services.kit.simulator.actions import pick, today
from services.kit.simulator.core import ActionError, Simulator, Workflow
from services.kit.simulator.formats import ddmmyyyy, ddmmyyyy_time
from services.kit.simulator.rkpd import position_code
from services.kit.simulator.table import Record, upstream_tables

APLIKASI, KESIAPAN, PEMANTAUAN, PENDANAAN = "aplikasi", "kesiapan", "pemantauan", "pendanaan"
PEMBANGUNAN, PEMELIHARAAN = 1, 2
RENCANA, PENGEMBANGAN, UJI_COBA, OPERASIONAL = 1, 2, 3, 4
NORMAL, GANGGUAN = 1, 2
_LEVELS = ("jaringan", "pusat_data", "perangkat_keras", "sdm")
Changes = list[tuple[str, Record]]


@dataclass(frozen=True, slots=True)
class RegisteredApp:
    id: str
    name: str
    opd: str
    owner: str  # the owner's position name in the OPD (its code comes from the catalogue)
    stage: int


APPS: tuple[RegisteredApp, ...] = (
    RegisteredApp(
        "eplanning", "e-Planning RKPD", "BAPPEDA", "Kepala Bidang Perencanaan Ekonomi", 4
    ),
    RegisteredApp(
        "ebudgeting",
        "e-Budgeting dan Penatausahaan Keuangan Daerah",
        "BPKD",
        "Kepala Bidang Anggaran",
        4,
    ),
    RegisteredApp(
        "spse",
        "SPSE dan SiRUP — Layanan Pengadaan Secara Elektronik",
        "UKPBJ",
        "Kepala Bidang LPSE",
        4,
    ),
    RegisteredApp(
        "sicantik",
        "SiCantik Cloud — Perizinan Terpadu Satu Pintu",
        "DPMPTSP",
        "Kepala Bidang Pelayanan Perizinan",
        4,
    ),
    RegisteredApp(
        "simpeg",
        "SIMPEG — Sistem Informasi Manajemen Kepegawaian",
        "BKD",
        "Kepala Bidang Informasi Kepegawaian",
        4,
    ),
    RegisteredApp(
        "simonev",
        "Registri Aplikasi dan Infrastruktur TIK (monev e-Government)",
        "DISKOMINFO",
        "Kepala Bidang Aplikasi Informatika",
        3,
    ),
    RegisteredApp(
        "lapor",
        "SP4N-LAPOR! Pengaduan Masyarakat",
        "DPMPTSP",
        "Kepala Bidang Pengaduan dan Informasi",
        4,
    ),
    RegisteredApp("e-kinerja", "e-Kinerja ASN", "BKD", "Kepala Bidang Pengembangan Kompetensi", 3),
    RegisteredApp("simda-bmd", "SIMDA Barang Milik Daerah", "BPKD", "Kepala Bidang Aset", 3),
    RegisteredApp(
        "satu-data",
        "Portal Satu Data Serdang Bedagai",
        "DISKOMINFO",
        "Kepala Bidang Persandian dan Statistik",
        3,
    ),
    RegisteredApp(
        "e-puskesmas",
        "e-Puskesmas — Rekam Medis Elektronik",
        "DINKES",
        "Kepala Bidang Pelayanan Kesehatan",
        2,
    ),
    RegisteredApp(
        "sim-sekolah",
        "Sistem Informasi Manajemen Sekolah",
        "DISDIK",
        "Kepala Bidang Pembinaan SD",
        2,
    ),
    RegisteredApp(
        "sipjalan",
        "Sistem Informasi Pemeliharaan Jalan dan Jembatan",
        "PUPR",
        "Kepala Bidang Bina Marga",
        1,
    ),
    RegisteredApp(
        "siwas",
        "Sistem Informasi Pengawasan Internal",
        "INSPEKTORAT",
        "Kepala Bidang Irban Wilayah I",
        1,
    ),
)
# Which APBD activities (kegiatan) build or run each application, and the share of the
# activity's budget line Kominfo attributes to it: (activity code, jenis, porsi %).
FUNDING: dict[str, tuple[tuple[str, int, int], ...]] = {
    "eplanning": (("5.01.02.2.01", PEMBANGUNAN, 15), ("5.01.02.2.03", PEMELIHARAAN, 10)),
    "ebudgeting": (("5.02.02.2.01", PEMBANGUNAN, 12), ("5.02.02.2.02", PEMELIHARAAN, 8)),
    "spse": (("4.01.05.2.06", PEMELIHARAAN, 25),),
    "sicantik": (("2.18.04.2.01", PEMBANGUNAN, 30),),
    "simpeg": (("5.03.02.2.01", PEMELIHARAAN, 20),),
    "simonev": (("2.16.03.2.02", PEMBANGUNAN, 20),),
    "lapor": (("2.16.02.2.01", PEMELIHARAAN, 25),),
    "e-kinerja": (("5.03.02.2.03", PEMBANGUNAN, 10),),
    "simda-bmd": (("5.02.02.2.03", PEMBANGUNAN, 10),),
    "satu-data": (("2.16.03.2.02", PEMBANGUNAN, 15),),
    "e-puskesmas": (("1.02.01.2.01", PEMBANGUNAN, 35),),
    "sim-sekolah": (("1.01.02.2.01", PEMBANGUNAN, 2),),
    "sipjalan": (("1.03.10.2.01", PEMBANGUNAN, 1),),
    "siwas": (("6.01.02.2.01", PEMBANGUNAN, 8),),
}
_NOTES = (
    "Bandwidth kantor belum memadai",
    "Server ditempatkan di pusat data Kominfo",
    "Operator sudah mengikuti bimtek",
    "Perlu penambahan UPS dan genset",
    "Admin aplikasi baru dimutasi; perlu pengganti",
)


def _url(app_id: str, stage: int) -> str:
    return f"https://{app_id}.serdangbedagaikab.go.id" if stage >= UJI_COBA else ""


def _app(sim: Simulator, app: RegisteredApp) -> Record:
    since = today(sim) - timedelta(days=sim.rng.randint(20, 600))
    return {
        "id_aplikasi": app.id,
        "nama_aplikasi": app.name,
        "keterangan": f"Aplikasi {app.name} milik {app.opd}",
        "opd_pemilik": app.opd,
        "jabatan_pemilik": position_code(app.opd, app.owner),
        "kd_tahap": app.stage,
        "tgl_tahap": ddmmyyyy(since),
        "alamat_url": _url(app.id, app.stage),
    }


def _readiness(sim: Simulator, app_id: str, stage: int) -> Record:
    levels = {k: min(2, max(0, stage - 2 + sim.rng.choice((0, 0, 1)))) for k in _LEVELS}
    return {
        "id_aplikasi": app_id,
        **levels,
        "tgl_penilaian": ddmmyyyy(today(sim)),
        "catatan": sim.rng.choice(_NOTES),
    }


def _probe(sim: Simulator, app_id: str, up: bool, failures: int) -> Record:
    now: datetime = sim.clock.now()
    return {
        "id_aplikasi": app_id,
        "kd_status": NORMAL if up else GANGGUAN,
        "kode_http": 200 if up else sim.rng.choice((502, 503, "")),
        "waktu_respon_ms": sim.rng.randint(80, 1200) if up else "",
        "waktu_cek": ddmmyyyy_time(now, millis=False),
        "gagal_berturut": 0 if up else failures,
    }


def _funding(sim: Simulator, app_id: str, code: str, kind: int, share: int) -> Record:
    return {
        "id_pendanaan": f"{app_id}--{code}",
        "id_aplikasi": app_id,
        "kode_kegiatan": code,
        "jenis_pendanaan": kind,
        "tahun_anggaran": today(sim).year,
        "porsi_persen": share,
        "keterangan": "Pembangunan" if kind == PEMBANGUNAN else "Operasional dan pemeliharaan",
    }


def fund(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """Link an application to an activity funding it (``id_aplikasi``, ``kode_kegiatan``,
    ``jenis_pendanaan`` 1|2, ``porsi_persen`` 1–100); a known link gets the new share."""
    app_id, code = params.get("id_aplikasi"), params.get("kode_kegiatan")
    if not app_id or not code:
        raise ActionError("id_aplikasi and kode_kegiatan are required")
    if sim.table(APLIKASI).get(str(app_id)) is None:
        raise ActionError(f"unknown id_aplikasi {app_id!r}")
    try:
        kind = int(params.get("jenis_pendanaan", PEMBANGUNAN))
        share = int(params.get("porsi_persen", 10))
    except (TypeError, ValueError):
        raise ActionError("jenis_pendanaan and porsi_persen are numbers") from None
    if kind not in (PEMBANGUNAN, PEMELIHARAAN) or not 1 <= share <= 100:
        raise ActionError("jenis_pendanaan is 1 or 2 and porsi_persen 1–100")
    rec = _funding(sim, str(app_id), str(code), kind, share)
    return [(PENDANAAN, sim.save(PENDANAAN, rec))]


def move_stage(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """The next stage (a trial may also fall back to development); ``kd_tahap`` forces one."""
    rec = pick(sim, APLIKASI, params, "id_aplikasi", lambda r: r["kd_tahap"] < OPERASIONAL)
    if params.get("kd_tahap"):
        stage = int(params["kd_tahap"])
    elif rec["kd_tahap"] == UJI_COBA and sim.rng.random() < 0.25:
        stage = PENGEMBANGAN
    else:
        stage = rec["kd_tahap"] + 1
    rec.update(
        kd_tahap=stage, tgl_tahap=ddmmyyyy(today(sim)), alamat_url=_url(rec["id_aplikasi"], stage)
    )
    changes: Changes = [(APLIKASI, sim.save(APLIKASI, rec))]
    app_id = rec["id_aplikasi"]
    if stage >= PENGEMBANGAN and sim.table(KESIAPAN).get(app_id) is None:
        changes.append((KESIAPAN, sim.save(KESIAPAN, _readiness(sim, app_id, stage))))
    if stage >= UJI_COBA and sim.table(PEMANTAUAN).get(app_id) is None:  # reachable: probe it
        changes.append((PEMANTAUAN, sim.save(PEMANTAUAN, _probe(sim, app_id, True, 0))))
    return changes


def assess(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """A readiness assessment: one dimension (``dimensi``) moves a level up or down."""
    rec = pick(
        sim, KESIAPAN, params, "id_aplikasi", lambda r: all(r[k] in (0, 1, 2) for k in _LEVELS)
    )
    dimension = params.get("dimensi") or sim.rng.choice(_LEVELS)
    if dimension not in _LEVELS:
        raise ActionError(f"unknown dimensi {dimension!r}; one of {', '.join(_LEVELS)}")
    level = params.get("tingkat")
    rec[dimension] = (
        int(level)
        if level is not None
        else min(2, max(0, rec[dimension] + sim.rng.choice((-1, 1))))
    )
    rec.update(tgl_penilaian=ddmmyyyy(today(sim)), catatan=sim.rng.choice(_NOTES))
    return [(KESIAPAN, sim.save(KESIAPAN, rec))]


def probe(sim: Simulator, params: Mapping[str, Any]) -> Changes:
    """An uptime check; ``status`` "up" / "down" forces the outcome."""
    rec = pick(
        sim,
        PEMANTAUAN,
        params,
        "id_aplikasi",
        lambda r: r["kd_status"] in (NORMAL, GANGGUAN) and int(r["gagal_berturut"]) >= 0,
    )
    was_up = rec["kd_status"] == NORMAL
    forced = params.get("status")
    up = (
        forced == "up"
        if forced
        else (sim.rng.random() > 0.08 if was_up else sim.rng.random() < 0.5)
    )
    failures = 0 if up else int(rec["gagal_berturut"]) + 1
    return [(PEMANTAUAN, sim.save(PEMANTAUAN, _probe(sim, rec["id_aplikasi"], up, failures)))]


def seed(sim: Simulator) -> None:
    """Every registered application, the readiness of those past planning, and probes of
    those reachable (trial or production), one or two of them down."""
    for app in APPS:
        sim.save(APLIKASI, _app(sim, app))
        if app.stage >= PENGEMBANGAN:
            sim.save(KESIAPAN, _readiness(sim, app.id, app.stage))
        if app.stage >= UJI_COBA:
            up = sim.rng.random() > 0.12
            sim.save(PEMANTAUAN, _probe(sim, app.id, up, 0 if up else sim.rng.randint(1, 3)))
        for code, kind, share in FUNDING.get(app.id, ()):
            sim.save(PENDANAAN, _funding(sim, app.id, code, kind, share))


WORKFLOW = Workflow(
    name="Registri Aplikasi dan Infrastruktur TIK — Dinas Kominfo Kabupaten Serdang Bedagai",
    tables=upstream_tables(
        aplikasi="id_aplikasi",
        kesiapan="id_aplikasi",
        pemantauan="id_aplikasi",
        pendanaan="id_pendanaan",
    ),
    seed=seed,
    actions={"ubah_tahap": move_stage, "nilai_kesiapan": assess, "cek": probe, "danai": fund},
    weights={"ubah_tahap": 0.3, "nilai_kesiapan": 0.5, "cek": 5, "danai": 0},
)
