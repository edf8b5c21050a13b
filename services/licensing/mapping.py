"""SiCantik's permohonan record → canonical ``Permit``."""

from __future__ import annotations

from services.kit.converters import (
    code_table,
    ddmmyyyy,
    ddmmyyyy_time,
    integer,
    optional,
    rupiah,
    text,
)
from services.kit.mapping import EntityMapping, FieldMap
from services.licensing.model import Permit

PERMIT_TYPE_CODES = {1: "PBG", 2: "IUTS", 3: "SIP", 4: "REKLAME", 5: "SIUP_IKAN", 6: "TDUP"}
STATUS_CODES = {10: "submitted", 20: "verified", 30: "approved", 40: "rejected"}

PERMIT = EntityMapping(
    entity="permit",
    resource="permohonan",
    model=Permit,
    revision="source_revision",
    fields=(
        FieldMap("no_permohonan", "id", text),
        FieldMap("jenis_izin", "permit_type", code_table(PERMIT_TYPE_CODES, name="jenis_izin")),
        FieldMap("nama_pemohon", "applicant", text),
        FieldMap("nama_usaha", "business_name", text, required=False),
        FieldMap("kecamatan", "kecamatan", text),
        FieldMap("tgl_permohonan", "submitted_on", ddmmyyyy),
        FieldMap("kd_status", "status", code_table(STATUS_CODES, name="kd_status")),
        FieldMap("kd_jabatan_verifikator", "verifier_position_id", text),
        FieldMap("nilai_investasi", "investment_value", rupiah),
        FieldMap("tgl_keputusan", "decided_on", optional(ddmmyyyy), required=False),
        FieldMap("alasan_penolakan", "rejection_reason", text, required=False),
        FieldMap("versi", "source_revision", integer),
        FieldMap("diubah_pada", "source_updated_at", optional(ddmmyyyy_time), required=False),
    ),
)
