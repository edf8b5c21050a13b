"""The regency's RKPD nomenclature: programs and activities (kegiatan) shared by simulators.

Bappeda's e-Planning, BPKD's e-Budgeting and UKPBJ's procurement application all name an
activity by the same code from the national nomenclature (Permendagri 90/2019:
``urusan.bidang.program.2.kegiatan``), as ``services.domain.regency.POSITIONS`` gives every
application the same position codes. Each simulator draws its own data around this
catalogue, so an activity code seeded by one is found in the others and joins through the
gateway.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.domain.regency import OPDS, POSITIONS


@dataclass(frozen=True, slots=True)
class ProgramRef:
    code: str  # e.g. "1.03.10"
    name: str
    opd: str


@dataclass(frozen=True, slots=True)
class ActivityRef:
    code: str  # e.g. "1.03.10.2.01"
    name: str
    program: ProgramRef
    division: str | None  # the bidang carrying it out; None: the OPD's secretariat
    indicative_ceiling: int  # pagu indikatif in the RKPD, rupiah
    indicators: tuple[tuple[str, str], ...]  # (indikator kinerja, satuan)
    initial: bool = True  # False: added by the RKPD / APBD revision (perubahan)

    @property
    def opd(self) -> str:
        return self.program.opd

    @property
    def pptk_position(self) -> str:
        """The position of the PPTK (pejabat pelaksana teknis kegiatan): the bidang's head."""
        if self.division is None:
            return position_code(self.opd, "Sekretaris ")
        return position_code(self.opd, f"Kepala Bidang {self.division}")

    @property
    def ppk_position(self) -> str:
        """The PPK (commitment officer) signing its contracts: the secretary, or the head of
        the OPD when the secretary already carries the activity out."""
        return position_code(self.opd, "Kepala " if self.division is None else "Sekretaris ")


def position_code(opd: str, name_prefix: str) -> str:
    """The code of the position of ``opd`` whose name starts with ``name_prefix``."""
    for p in POSITIONS:
        if p.opd == opd and p.name.startswith(name_prefix):
            return p.code
    raise KeyError(f"no position {name_prefix!r} in {opd}")


def opd_name(code: str) -> str:
    return next(o.name for o in OPDS if o.code == code)


_P = ProgramRef
PROGRAMS: tuple[ProgramRef, ...] = (
    _P("1.01.02", "Program Pengelolaan Pendidikan", "DISDIK"),
    _P("1.02.01", "Program Penunjang Urusan Pemerintahan Daerah Kabupaten/Kota", "DINKES"),
    _P(
        "1.02.02",
        "Program Pemenuhan Upaya Kesehatan Perorangan dan Upaya Kesehatan Masyarakat",
        "DINKES",
    ),
    _P("1.03.02", "Program Pengelolaan Sumber Daya Air (SDA)", "PUPR"),
    _P("1.03.10", "Program Penyelenggaraan Jalan", "PUPR"),
    _P("1.03.12", "Program Penyelenggaraan Penataan Ruang", "PUPR"),
    _P("2.16.02", "Program Informasi dan Komunikasi Publik", "DISKOMINFO"),
    _P("2.16.03", "Program Aplikasi Informatika", "DISKOMINFO"),
    _P("2.18.03", "Program Promosi Penanaman Modal", "DPMPTSP"),
    _P("2.18.04", "Program Pelayanan Penanaman Modal", "DPMPTSP"),
    _P("4.01.05", "Program Perekonomian dan Pembangunan", "UKPBJ"),
    _P("5.01.02", "Program Perencanaan, Pengendalian dan Evaluasi Pembangunan Daerah", "BAPPEDA"),
    _P("5.02.02", "Program Pengelolaan Keuangan Daerah", "BPKD"),
    _P("5.02.03", "Program Pengelolaan Barang Milik Daerah", "BPKD"),
    _P("5.03.02", "Program Kepegawaian Daerah", "BKD"),
    _P("6.01.02", "Program Penyelenggaraan Pengawasan", "INSPEKTORAT"),
)
_BY_CODE = {p.code: p for p in PROGRAMS}


def _a(
    code: str,
    name: str,
    division: str | None,
    ceiling_juta: int,
    *indicators: tuple[str, str],
    initial: bool = True,
) -> ActivityRef:
    program = _BY_CODE[code.rsplit(".", 2)[0]]
    return ActivityRef(code, name, program, division, ceiling_juta * 1_000_000, indicators, initial)


ACTIVITIES: tuple[ActivityRef, ...] = (
    _a(
        "1.01.02.2.01",
        "Pengelolaan Pendidikan Sekolah Dasar",
        "Pembinaan SD",
        18_500,
        ("Angka Partisipasi Murni SD", "%"),
        ("Ruang kelas SD yang direhabilitasi", "ruang"),
    ),
    _a(
        "1.01.02.2.02",
        "Pengelolaan Pendidikan Sekolah Menengah Pertama",
        "Pembinaan SMP",
        12_200,
        ("Angka Partisipasi Murni SMP", "%"),
    ),
    _a(
        "1.02.01.2.01",
        "Perencanaan, Penganggaran, dan Evaluasi Kinerja Perangkat Daerah",
        None,
        640,
        ("Dokumen perencanaan dan penganggaran Dinas Kesehatan", "dokumen"),
    ),
    _a(
        "1.02.02.2.01",
        "Penyediaan Fasilitas Pelayanan Kesehatan untuk UKM dan UKP Kewenangan "
        "Daerah Kabupaten/Kota",
        "Pelayanan Kesehatan",
        9_750,
        ("Puskesmas yang memenuhi standar sarana dan prasarana", "puskesmas"),
    ),
    _a(
        "1.02.02.2.02",
        "Penyediaan Layanan Kesehatan untuk UKM dan UKP Rujukan Tingkat Daerah Kabupaten/Kota",
        "Pencegahan Penyakit",
        6_300,
        ("Cakupan imunisasi dasar lengkap", "%"),
    ),
    _a(
        "1.03.02.2.01",
        "Pengelolaan SDA dan Bangunan Pengaman Pantai pada Wilayah Sungai (WS) "
        "dalam 1 (satu) Daerah Kabupaten/Kota",
        "Bina Marga",
        7_800,
        ("Panjang saluran irigasi yang direhabilitasi", "m"),
    ),
    _a(
        "1.03.10.2.01",
        "Penyelenggaraan Jalan Kabupaten/Kota",
        "Bina Marga",
        38_500,
        ("Panjang jalan kabupaten dalam kondisi mantap", "km"),
        ("Persentase jalan kabupaten dalam kondisi mantap", "%"),
    ),
    _a(
        "1.03.12.2.01",
        "Penetapan Rencana Detail Tata Ruang (RDTR) Kabupaten/Kota",
        "Tata Ruang",
        1_900,
        ("Dokumen RDTR yang ditetapkan", "dokumen"),
        initial=False,
    ),
    _a(
        "2.16.02.2.01",
        "Pengelolaan Informasi dan Komunikasi Publik Pemerintah Daerah Kabupaten/Kota",
        "Persandian dan Statistik",
        520,
        ("Informasi publik yang dipublikasikan", "konten"),
    ),
    _a(
        "2.16.03.2.01",
        "Pengelolaan Nama Domain yang telah Ditetapkan oleh Pemerintah Pusat dan "
        "Sub Domain di Lingkup Pemerintah Daerah Kabupaten/Kota",
        "Infrastruktur TIK",
        380,
        ("Sub domain OPD yang aktif", "sub domain"),
    ),
    _a(
        "2.16.03.2.02",
        "Pengelolaan E-Government di Lingkup Pemerintah Daerah Kabupaten/Kota",
        "Aplikasi Informatika",
        2_400,
        ("Aplikasi layanan publik yang terintegrasi", "aplikasi"),
        ("Indeks SPBE", "indeks"),
    ),
    _a(
        "2.18.03.2.01",
        "Penyelenggaraan Promosi Penanaman Modal yang menjadi Kewenangan Daerah Kabupaten/Kota",
        "Penanaman Modal",
        350,
        ("Nilai realisasi investasi", "miliar rupiah"),
    ),
    _a(
        "2.18.04.2.01",
        "Pelayanan Perizinan dan Nonperizinan secara Terpadu Satu Pintu di Bidang "
        "Penanaman Modal yang menjadi Kewenangan Daerah Kabupaten/Kota",
        "Pelayanan Perizinan",
        900,
        ("Persentase izin terbit sesuai standar pelayanan", "%"),
    ),
    _a(
        "4.01.05.2.06",
        "Pengelolaan Pengadaan Barang dan Jasa",
        "Pengelolaan Pengadaan",
        750,
        ("Persentase paket tender selesai tepat waktu", "%"),
    ),
    _a(
        "4.01.05.2.07",
        "Pengelolaan Layanan Pengadaan Secara Elektronik",
        "LPSE",
        400,
        ("Paket yang ditayangkan melalui SPSE", "paket"),
        initial=False,
    ),
    _a(
        "5.01.02.2.01",
        "Penyusunan Perencanaan dan Pendanaan",
        "Perencanaan Ekonomi",
        850,
        ("Dokumen RKPD yang ditetapkan tepat waktu", "dokumen"),
        ("Usulan Musrenbang yang terakomodasi", "%"),
    ),
    _a(
        "5.01.02.2.02",
        "Analisis Data dan Informasi Perencanaan Pembangunan Daerah",
        "Perencanaan Sosial Budaya",
        420,
        ("Dokumen analisis data perencanaan", "dokumen"),
    ),
    _a(
        "5.01.02.2.03",
        "Pengendalian, Evaluasi dan Pelaporan Pelaksanaan Rencana Pembangunan Daerah",
        "Infrastruktur dan Kewilayahan",
        600,
        ("Laporan evaluasi RKPD", "laporan"),
    ),
    _a(
        "5.02.02.2.01",
        "Koordinasi dan Penyusunan Rencana Anggaran Daerah",
        "Anggaran",
        1_100,
        ("Dokumen APBD dan APBD Perubahan yang ditetapkan", "dokumen"),
    ),
    _a(
        "5.02.02.2.02",
        "Koordinasi dan Pengelolaan Perbendaharaan Daerah",
        "Perbendaharaan",
        950,
        ("SP2D yang terbit tepat waktu", "%"),
    ),
    _a(
        "5.02.02.2.03",
        "Koordinasi dan Pelaksanaan Akuntansi dan Pelaporan Keuangan Daerah",
        "Akuntansi",
        780,
        ("Laporan keuangan daerah yang disampaikan tepat waktu", "laporan"),
    ),
    _a(
        "5.02.03.2.01",
        "Pengelolaan Barang Milik Daerah",
        "Aset",
        1_250,
        ("Barang milik daerah yang tercatat dan bersertifikat", "%"),
        initial=False,
    ),
    _a(
        "5.03.02.2.01",
        "Pengadaan, Pemberhentian dan Informasi Kepegawaian ASN",
        "Informasi Kepegawaian",
        700,
        ("Data ASN yang mutakhir di SIMPEG", "%"),
    ),
    _a(
        "5.03.02.2.02",
        "Mutasi dan Promosi ASN",
        "Mutasi dan Promosi",
        450,
        ("ASN yang dimutasi sesuai kompetensi", "orang"),
    ),
    _a(
        "5.03.02.2.03",
        "Pengembangan Kompetensi ASN",
        "Pengembangan Kompetensi",
        1_300,
        ("ASN yang mengikuti pengembangan kompetensi", "orang"),
    ),
    _a(
        "6.01.02.2.01",
        "Penyelenggaraan Pengawasan Internal",
        "Irban Wilayah I",
        1_600,
        ("Laporan hasil pemeriksaan yang diterbitkan", "LHP"),
    ),
    _a(
        "6.01.02.2.02",
        "Penyelenggaraan Pengawasan dengan Tujuan Tertentu",
        "Irban Wilayah II",
        480,
        ("Pemeriksaan dengan tujuan tertentu yang diselesaikan", "laporan"),
    ),
)
INITIAL_ACTIVITIES: tuple[ActivityRef, ...] = tuple(a for a in ACTIVITIES if a.initial)


def activity(code: str) -> ActivityRef:
    """The catalogue activity ``code``; ``KeyError`` if the nomenclature has no such code."""
    for a in ACTIVITIES:
        if a.code == code:
            return a
    raise KeyError(code)
