from decimal import Decimal

from permit_records import permohonan

from services.kit.mapping import Mapped, Rejected, map_record
from services.licensing.mapping import PERMIT


def test_a_clean_record_maps_to_the_canonical_model() -> None:
    out = map_record(PERMIT, permohonan())
    assert isinstance(out, Mapped)
    assert out.id == "503/0001/DPMPTSP/2026"
    assert out.doc["status"] == "submitted"
    assert out.doc["permit_type"] == "PBG"
    assert out.model.investment_value == Decimal("1250000000.00")
    assert out.doc["sla_deadline"] == "2026-04-09"  # 28 working days after 2 March 2026
    assert out.revision == 1
    assert out.unknown_fields == frozenset()


def test_missing_required_fields_are_rejected_with_the_field_named() -> None:
    raw = permohonan()
    del raw["kecamatan"]
    out = map_record(PERMIT, raw)
    assert isinstance(out, Rejected)
    assert out.upstream_id == "503/0001/DPMPTSP/2026"
    assert "missing required field 'kecamatan'" in out.reason


def test_bad_values_are_rejected_not_guessed() -> None:
    out = map_record(PERMIT, permohonan(kd_status=77, nilai_investasi="satu milyar"))
    assert isinstance(out, Rejected)
    assert "unknown kd_status code 77" in out.reason
    assert "nilai_investasi" in out.reason


def test_domain_validation_failures_are_rejected() -> None:
    out = map_record(PERMIT, permohonan(kd_status=40, tgl_keputusan="05-03-2026"))
    assert isinstance(out, Rejected)
    assert "rejected permit needs its reason" in out.reason
    out = map_record(PERMIT, permohonan(kecamatan="Medan Kota"))
    assert isinstance(out, Rejected) and "not a kecamatan" in out.reason


def test_unknown_extra_fields_are_tolerated_and_reported() -> None:
    out = map_record(PERMIT, permohonan(kode_oss="912", koordinat="3.5,99.1"))
    assert isinstance(out, Mapped)
    assert out.unknown_fields == {"kode_oss", "koordinat"}


def test_non_objects_are_rejected() -> None:
    out = map_record(PERMIT, ["not", "a", "record"])
    assert isinstance(out, Rejected) and out.upstream_id is None


def test_content_hash_ignores_the_revision() -> None:
    a, b = map_record(PERMIT, permohonan(versi=1)), map_record(PERMIT, permohonan(versi=2))
    assert isinstance(a, Mapped) and isinstance(b, Mapped)
    assert a.content_hash == b.content_hash
    c = map_record(PERMIT, permohonan(versi=3, nama_pemohon="Rina Siregar"))
    assert isinstance(c, Mapped) and c.content_hash != a.content_hash
