"""Canonical RKPD program and activity (kegiatan) with its performance indicators."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.domain.regency import KECAMATAN

ACTIVITY_CODE = r"^[1-9]\.[0-9]{2}\.[0-9]{2}\.2\.[0-9]{2}$"  # urusan.bidang.program.2.kegiatan


class ActivityStage(StrEnum):
    """Tahapan RKPD, in the order the plan goes through them."""

    INITIAL_DRAFT = "initial_draft"  # rancangan awal
    DRAFT = "draft"  # rancangan (forum perangkat daerah)
    MUSRENBANG = "musrenbang"  # musyawarah perencanaan pembangunan
    FINAL_DRAFT = "final_draft"  # rancangan akhir
    ENACTED = "enacted"  # penetapan (Peraturan Kepala Daerah)


STAGE_ORDER = tuple(ActivityStage)


class Program(BaseModel):
    code: str = Field(pattern=r"^[1-9]\.[0-9]{2}\.[0-9]{2}$")
    name: str = Field(min_length=3)
    opd: str
    fiscal_year: int = Field(ge=2000, le=2100)
    source_updated_at: datetime


class Indicator(BaseModel):
    code: str = Field(min_length=1)
    name: str = Field(min_length=3)
    unit: str = Field(min_length=1)
    target: Decimal = Field(ge=0)


class Activity(BaseModel):
    code: str = Field(pattern=ACTIVITY_CODE)
    name: str = Field(min_length=3)
    program_code: str
    opd: str
    fiscal_year: int = Field(ge=2000, le=2100)
    stage: ActivityStage
    stage_since: date
    responsible_position_id: str = Field(min_length=1)
    indicative_ceiling: Decimal = Field(ge=0)
    locations: list[str]
    indicators: list[Indicator] = Field(min_length=1)
    source_updated_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> Activity:
        if not self.code.startswith(self.program_code + "."):
            raise ValueError(f"activity {self.code} is not under program {self.program_code}")
        unknown = [k for k in self.locations if k not in KECAMATAN]
        if unknown:
            raise ValueError(f"not a kecamatan of Serdang Bedagai: {', '.join(unknown)}")
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes repeat")
        return self
