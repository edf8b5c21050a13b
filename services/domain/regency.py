"""Reference data of Kabupaten Serdang Bedagai: the domain's, read by models and simulators.

Real kecamatan and OPD names; a deterministic catalogue of positions (jabatan) so that
BKD's SIMPEG and the other OPD applications agree on position codes, as they do in the
regency where position codes come from the same nomenclature.
"""

from __future__ import annotations

from dataclasses import dataclass

KECAMATAN: tuple[str, ...] = (
    "Bandar Khalipah",
    "Bintang Bayu",
    "Dolok Masihul",
    "Dolok Merawan",
    "Kotarih",
    "Pantai Cermin",
    "Pegajahan",
    "Perbaungan",
    "Sei Bamban",
    "Sei Rampah",
    "Serba Jadi",
    "Silinda",
    "Sipispis",
    "Tanjung Beringin",
    "Tebing Syahbandar",
    "Tebing Tinggi",
    "Teluk Mengkudu",
)


@dataclass(frozen=True, slots=True)
class Opd:
    code: str
    name: str
    divisions: tuple[str, ...]


OPDS: tuple[Opd, ...] = (
    Opd(
        "BAPPEDA",
        "Badan Perencanaan Pembangunan Daerah",
        ("Perencanaan Ekonomi", "Perencanaan Sosial Budaya", "Infrastruktur dan Kewilayahan"),
    ),
    Opd(
        "BPKD",
        "Badan Pengelola Keuangan Daerah",
        ("Anggaran", "Perbendaharaan", "Akuntansi", "Aset"),
    ),
    Opd(
        "BKD",
        "Badan Kepegawaian Daerah",
        ("Mutasi dan Promosi", "Pengembangan Kompetensi", "Informasi Kepegawaian"),
    ),
    Opd(
        "DPMPTSP",
        "Dinas Penanaman Modal dan Pelayanan Terpadu Satu Pintu",
        ("Pelayanan Perizinan", "Pengaduan dan Informasi", "Penanaman Modal"),
    ),
    Opd(
        "DISKOMINFO",
        "Dinas Komunikasi dan Informatika",
        ("Aplikasi Informatika", "Infrastruktur TIK", "Persandian dan Statistik"),
    ),
    Opd("INSPEKTORAT", "Inspektorat Daerah", ("Irban Wilayah I", "Irban Wilayah II")),
    Opd("UKPBJ", "Bagian Pengadaan Barang dan Jasa", ("Pengelolaan Pengadaan", "LPSE")),
    Opd("DISDIK", "Dinas Pendidikan", ("Pembinaan SD", "Pembinaan SMP")),
    Opd("DINKES", "Dinas Kesehatan", ("Pelayanan Kesehatan", "Pencegahan Penyakit")),
    Opd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", ("Bina Marga", "Tata Ruang")),
)


@dataclass(frozen=True, slots=True)
class PositionRef:
    code: str  # the position code every application uses, e.g. "4012"
    name: str
    kind: int  # 1 struktural, 2 fungsional, 3 pelaksana
    eselon: str  # "" for non-struktural
    opd: str


def _catalogue() -> tuple[PositionRef, ...]:
    out: list[PositionRef] = []
    for i, opd in enumerate(OPDS, start=1):
        base = i * 1000
        out.append(PositionRef(f"{base + 1}", f"Kepala {opd.name}", 1, "II.b", opd.code))
        out.append(PositionRef(f"{base + 2}", f"Sekretaris {opd.name}", 1, "III.a", opd.code))
        for j, div in enumerate(opd.divisions):
            out.append(
                PositionRef(f"{base + 10 + j}", f"Kepala Bidang {div}", 1, "III.b", opd.code)
            )
            out.append(PositionRef(f"{base + 20 + j}", f"Analis {div} Ahli Muda", 2, "", opd.code))
            out.append(PositionRef(f"{base + 30 + j}", f"Pengadministrasi {div}", 3, "", opd.code))
    camat_base = (len(OPDS) + 1) * 1000  # the block after the last OPD's (codes never collide)
    for k, kec in enumerate(KECAMATAN):
        out.append(
            PositionRef(f"{camat_base + k + 1}", f"Camat {kec}", 1, "III.a", f"KEC-{k + 1:02d}")
        )
    for n in range(1, 5):  # the licensing verifiers (tim teknis) of DPMPTSP
        out.append(
            PositionRef(f"{4040 + n}", f"Verifikator Teknis Perizinan {n}", 2, "", "DPMPTSP")
        )
    return tuple(out)


POSITIONS: tuple[PositionRef, ...] = _catalogue()
LICENSING_VERIFIERS: tuple[str, ...] = tuple(
    p.code for p in POSITIONS if p.opd == "DPMPTSP" and p.name.startswith("Verifikator")
) + ("4010",)  # the Kepala Bidang Pelayanan Perizinan verifies large investments
