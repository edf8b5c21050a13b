"""SIMPEG's pegawai / jabatan / riwayat_jabatan records → canonical models."""

from __future__ import annotations

from services.kit.converters import code_table, ddmmyyyy, ddmmyyyy_time, optional, text
from services.kit.mapping import EntityMapping, FieldMap
from services.personnel.model import Assignment, Employee, Position

SEX = code_table({1: "male", 2: "female"}, name="jenis_kelamin")
EMPLOYEE_STATUS = code_table({1: "active", 4: "retired"}, name="kd_status_pegawai")
MOVE_KIND = code_table({1: "appointment", 2: "transfer", 3: "rotation"}, name="kd_jenis_mutasi")
POSITION_KIND = code_table(
    {1: "structural", 2: "functional", 3: "executor"}, name="kd_jenis_jabatan"
)
UPDATED = FieldMap("diubah_pada", "source_updated_at", ddmmyyyy_time)

EMPLOYEE = EntityMapping(
    entity="employee",
    resource="pegawai",
    model=Employee,
    revision="source_updated_at",
    id_target="nip",
    fields=(
        FieldMap("nip", "nip", text),
        FieldMap("nama", "name", text),
        FieldMap("tgl_lahir", "birth_date", ddmmyyyy),
        FieldMap("jenis_kelamin", "sex", SEX),
        FieldMap("golongan", "rank", text),
        FieldMap("kd_status_pegawai", "status", EMPLOYEE_STATUS),
        FieldMap("kd_unit_kerja", "opd", text),
        FieldMap("id_jabatan", "position_id", text, required=False),
        FieldMap("tmt_jabatan", "position_since", optional(ddmmyyyy), required=False),
        FieldMap("kd_jenis_mutasi", "last_move", optional(MOVE_KIND), required=False),
        FieldMap("no_sk", "last_decree", text, required=False),
        UPDATED,
    ),
)

POSITION = EntityMapping(
    entity="position",
    resource="jabatan",
    model=Position,
    revision="source_updated_at",
    fields=(
        FieldMap("id_jabatan", "id", text),
        FieldMap("nama_jabatan", "name", text),
        FieldMap("kd_jenis_jabatan", "kind", POSITION_KIND),
        FieldMap("eselon", "eselon", text, required=False),
        FieldMap("kd_unit_kerja", "opd", text),
        UPDATED,
    ),
)

ASSIGNMENT = EntityMapping(
    entity="assignment",
    resource="riwayat_jabatan",
    model=Assignment,
    revision="source_updated_at",
    fields=(
        FieldMap("id_riwayat", "id", text),
        FieldMap("nip", "nip", text),
        FieldMap("id_jabatan", "position_id", text),
        FieldMap("id_jabatan_asal", "previous_position_id", text, required=False),
        FieldMap("tmt_mulai", "start", ddmmyyyy),
        FieldMap("tmt_selesai", "end", optional(ddmmyyyy), required=False),
        FieldMap("kd_jenis_mutasi", "kind", MOVE_KIND),
        FieldMap("no_sk", "decree", text),
        UPDATED,
    ),
)
