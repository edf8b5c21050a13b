"""A licensing upstream record (SiCantik's ``permohonan``) for kit and service tests."""

from typing import Any


def permohonan(**changes: Any) -> dict[str, Any]:
    rec = {
        "no_permohonan": "503/0001/DPMPTSP/2026",
        "jenis_izin": 1,
        "nama_pemohon": "Sri Lubis",
        "nama_usaha": "CV Maju Jaya",
        "kecamatan": "Sei Rampah",
        "tgl_permohonan": "02-03-2026",
        "kd_status": 10,
        "kd_jabatan_verifikator": "4041",
        "nilai_investasi": "1.250.000.000,00",
        "tgl_keputusan": "",
        "alasan_penolakan": "",
        "versi": 1,
        "diubah_pada": "02-03-2026 09:00:00.000",
    }
    rec.update(changes)
    return rec
