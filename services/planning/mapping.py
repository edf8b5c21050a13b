"""e-Planning's program / kegiatan records → canonical ``Program`` / ``Activity``."""

from __future__ import annotations

from typing import Any

from services.kit.converters import code_table, ddmmyyyy, ddmmyyyy_time, integer, rupiah, text
from services.kit.mapping import EntityMapping, FieldMap
from services.planning.model import Activity, Program

STAGE_CODES = {1: "initial_draft", 2: "draft", 3: "musrenbang", 4: "final_draft", 5: "enacted"}
UPDATED = FieldMap("diubah_pada", "source_updated_at", ddmmyyyy_time)
number = rupiah  # e-Planning writes every number like an amount: "412,50", "1.250,00"


def locations(value: Any) -> list[str]:
    """``"Sei Rampah; Perbaungan"`` → ``["Sei Rampah", "Perbaungan"]``."""
    if not isinstance(value, str):
        raise ValueError(f"expected kecamatan names separated by ';', got {type(value).__name__}")
    return [part.strip() for part in value.split(";") if part.strip()]


def indicators(value: Any) -> list[dict[str, Any]]:
    """The nested ``indikator`` rows (kd_indikator, tolok_ukur, satuan, target)."""
    if not isinstance(value, list):
        raise ValueError(f"indikator must be a list, got {type(value).__name__}")
    out = []
    for n, row in enumerate(value, start=1):
        if not isinstance(row, dict):
            raise ValueError(f"indikator #{n} is not an object")
        try:
            out.append(
                {
                    "code": text(row.get("kd_indikator")),
                    "name": text(row.get("tolok_ukur")),
                    "unit": text(row.get("satuan")),
                    "target": number(row.get("target")),
                }
            )
        except ValueError as exc:
            raise ValueError(f"indikator #{n}: {exc}") from None
    return out


PROGRAM = EntityMapping(
    entity="program",
    resource="program",
    model=Program,
    revision="source_updated_at",
    id_target="code",
    fields=(
        FieldMap("kd_program", "code", text),
        FieldMap("nm_program", "name", text),
        FieldMap("kd_skpd", "opd", text),
        FieldMap("tahun", "fiscal_year", integer),
        UPDATED,
    ),
)

ACTIVITY = EntityMapping(
    entity="activity",
    resource="kegiatan",
    model=Activity,
    revision="source_updated_at",
    id_target="code",
    fields=(
        FieldMap("kd_kegiatan", "code", text),
        FieldMap("nm_kegiatan", "name", text),
        FieldMap("kd_program", "program_code", text),
        FieldMap("kd_skpd", "opd", text),
        FieldMap("tahun", "fiscal_year", integer),
        FieldMap("kd_tahapan", "stage", code_table(STAGE_CODES, name="kd_tahapan")),
        FieldMap("tgl_tahapan", "stage_since", ddmmyyyy),
        FieldMap("id_jabatan_pptk", "responsible_position_id", text),
        FieldMap("pagu_indikatif", "indicative_ceiling", rupiah),
        FieldMap("lokasi", "locations", locations),
        FieldMap("indikator", "indicators", indicators),
        UPDATED,
    ),
)
