"""e-Budgeting's anggaran / sp2d records → canonical ``BudgetLine`` / ``Disbursement``."""

from __future__ import annotations

from services.finance.model import BudgetLine, Disbursement
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

PHASE_CODES = {1: "original", 2: "shifted", 3: "amended"}
KIND_CODES = {1: "UP", 2: "GU", 3: "TU", 4: "LS"}
STATUS_CODES = {1: "processing", 2: "issued", 9: "cancelled"}

BUDGET_LINE = EntityMapping(
    entity="budget_line",
    resource="anggaran",
    model=BudgetLine,
    revision="source_revision",
    fields=(
        FieldMap("id_anggaran", "id", text),
        FieldMap("tahun_anggaran", "fiscal_year", integer),
        FieldMap("kode_kegiatan", "activity_code", text),
        FieldMap("kode_skpd", "opd", text),
        FieldMap("no_dpa", "dpa_number", text),
        FieldMap("status_anggaran", "phase", code_table(PHASE_CODES, name="status_anggaran")),
        FieldMap("pagu", "ceiling", rupiah),
        FieldMap("realisasi", "realisation", rupiah),
        FieldMap("versi", "source_revision", integer),
        FieldMap("diubah_pada", "source_updated_at", optional(ddmmyyyy_time), required=False),
    ),
)

DISBURSEMENT = EntityMapping(
    entity="disbursement",
    resource="sp2d",
    model=Disbursement,
    revision="source_updated_at",
    id_target="number",
    fields=(
        FieldMap("nomor_sp2d", "number", text),
        FieldMap("kode_kegiatan", "activity_code", text),
        FieldMap("tahun_anggaran", "fiscal_year", integer),
        FieldMap("jenis_sp2d", "kind", code_table(KIND_CODES, name="jenis_sp2d")),
        FieldMap("status", "status", code_table(STATUS_CODES, name="status")),
        FieldMap("tanggal_sp2d", "issued_on", optional(ddmmyyyy), required=False),
        FieldMap("nilai_sp2d", "amount", rupiah),
        FieldMap("nama_penerima", "recipient", text),
        FieldMap("keterangan", "description", text, required=False),
        FieldMap("diubah_pada", "source_updated_at", ddmmyyyy_time),
    ),
)
