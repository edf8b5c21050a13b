"""The UKPBJ application's paket / kontrak records → canonical ``Package`` / ``Contract``."""

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
from services.procurement.model import Contract, Package

METHOD_CODES = {
    1: "e_purchasing",
    2: "direct_procurement",
    3: "tender",
    4: "selection",
    5: "direct_appointment",
    6: "fast_tender",
}
CATEGORY_CODES = {1: "goods", 2: "construction", 3: "consulting", 4: "other_services"}
STAGE_CODES = {
    10: "announcement",
    20: "registration",
    30: "bid_submission",
    40: "evaluation",
    50: "award",
    60: "objection",
    70: "contract",
    90: "failed",
}
UPDATED = FieldMap("diubah_pada", "source_updated_at", ddmmyyyy_time)

PACKAGE = EntityMapping(
    entity="package",
    resource="paket",
    model=Package,
    revision="source_updated_at",
    fields=(
        FieldMap("kode_rup", "id", text),
        FieldMap("nama_paket", "name", text),
        FieldMap("kd_keg", "activity_code", text),
        FieldMap("satker", "opd", text),
        FieldMap("ta", "fiscal_year", integer),
        FieldMap("mtd_pemilihan", "method", code_table(METHOD_CODES, name="mtd_pemilihan")),
        FieldMap("jenis_pengadaan", "category", code_table(CATEGORY_CODES, name="jenis_pengadaan")),
        FieldMap("pagu_paket", "ceiling", rupiah),
        FieldMap("nilai_hps", "owner_estimate", optional(rupiah), required=False),
        FieldMap("tahap", "stage", code_table(STAGE_CODES, name="tahap")),
        FieldMap("tgl_umumkan", "announced_on", ddmmyyyy),
        FieldMap("lokasi", "kecamatan", text, required=False),
        FieldMap("ppk", "commitment_officer_position_id", text),
        UPDATED,
    ),
)

CONTRACT = EntityMapping(
    entity="contract",
    resource="kontrak",
    model=Contract,
    revision="source_updated_at",
    id_target="number",
    fields=(
        FieldMap("no_kontrak", "number", text),
        FieldMap("kode_rup", "package_id", text),
        FieldMap("nama_penyedia", "vendor", text),
        FieldMap("npwp", "vendor_tax_id", text),
        FieldMap("nilai_kontrak", "value", rupiah),
        FieldMap("tgl_kontrak", "signed_on", ddmmyyyy),
        FieldMap("tgl_mulai_kerja", "starts_on", ddmmyyyy),
        FieldMap("tgl_selesai_kerja", "ends_on", ddmmyyyy),
        UPDATED,
    ),
)
