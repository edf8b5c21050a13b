"""The registry's aplikasi / kesiapan / pemantauan records → canonical models."""

from __future__ import annotations

from services.kit.converters import (
    code_table,
    ddmmyyyy,
    ddmmyyyy_time,
    integer,
    optional,
    text,
)
from services.kit.mapping import EntityMapping, FieldMap
from services.registry.model import Application, Funding, Probe, Readiness

STAGE = code_table({1: "planned", 2: "development", 3: "trial", 4: "production"}, name="kd_tahap")
LEVEL = code_table({0: "not_ready", 1: "partial", 2: "ready"}, name="tingkat_kesiapan")
PROBE = code_table({1: "up", 2: "down"}, name="kd_status")
PURPOSE = code_table({1: "build", 2: "operate"}, name="jenis_pendanaan")
UPDATED = FieldMap("diubah_pada", "source_updated_at", ddmmyyyy_time)

APPLICATION = EntityMapping(
    entity="application",
    resource="aplikasi",
    model=Application,
    revision="source_updated_at",
    fields=(
        FieldMap("id_aplikasi", "id", text),
        FieldMap("nama_aplikasi", "name", text),
        FieldMap("keterangan", "description", text, required=False),
        FieldMap("opd_pemilik", "owner_opd", text),
        FieldMap("jabatan_pemilik", "owner_position_id", text),
        FieldMap("kd_tahap", "stage", STAGE),
        FieldMap("tgl_tahap", "stage_since", ddmmyyyy),
        FieldMap("alamat_url", "url", text, required=False),
        UPDATED,
    ),
)

READINESS = EntityMapping(
    entity="readiness",
    resource="kesiapan",
    model=Readiness,
    revision="source_updated_at",
    fields=(
        FieldMap("id_aplikasi", "id", text),
        FieldMap("jaringan", "network", LEVEL),
        FieldMap("pusat_data", "data_centre", LEVEL),
        FieldMap("perangkat_keras", "hardware", LEVEL),
        FieldMap("sdm", "people", LEVEL),
        FieldMap("tgl_penilaian", "assessed_on", ddmmyyyy),
        FieldMap("catatan", "note", text, required=False),
        UPDATED,
    ),
)

PROBE_RESULT = EntityMapping(
    entity="probe",
    resource="pemantauan",
    model=Probe,
    revision="source_updated_at",
    fields=(
        FieldMap("id_aplikasi", "id", text),
        FieldMap("kd_status", "status", PROBE),
        FieldMap("kode_http", "http_status", optional(integer), required=False),
        FieldMap("waktu_respon_ms", "response_ms", optional(integer), required=False),
        FieldMap("waktu_cek", "checked_at", ddmmyyyy_time),
        FieldMap("gagal_berturut", "consecutive_failures", integer),
        UPDATED,
    ),
)

FUNDING = EntityMapping(
    entity="funding",
    resource="pendanaan",
    model=Funding,
    revision="source_updated_at",
    fields=(
        FieldMap("id_pendanaan", "id", text),
        FieldMap("id_aplikasi", "application_id", text),
        FieldMap("kode_kegiatan", "activity_code", text),
        FieldMap("jenis_pendanaan", "purpose", PURPOSE),
        FieldMap("tahun_anggaran", "fiscal_year", integer),
        FieldMap("porsi_persen", "share_percent", integer),
        FieldMap("keterangan", "note", text, required=False),
        UPDATED,
    ),
)
