"""Canonical procurement package (paket RUP) with its selection stages, and its contract."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.domain.regency import KECAMATAN

ACTIVITY_CODE = r"^[1-9]\.[0-9]{2}\.[0-9]{2}\.2\.[0-9]{2}$"
NPWP = r"^[0-9]{2}\.[0-9]{3}\.[0-9]{3}\.[0-9]-[0-9]{3}\.[0-9]{3}$"


class ProcurementStage(StrEnum):
    """Tahapan pemilihan, in order; a package ends at CONTRACT or FAILED."""

    ANNOUNCEMENT = "announcement"  # pengumuman
    REGISTRATION = "registration"  # pendaftaran dan unduh dokumen
    BID_SUBMISSION = "bid_submission"  # pemasukan dokumen penawaran
    EVALUATION = "evaluation"  # evaluasi penawaran (or negosiasi)
    AWARD = "award"  # penetapan dan pengumuman pemenang
    OBJECTION = "objection"  # masa sanggah
    CONTRACT = "contract"  # penandatanganan kontrak
    FAILED = "failed"  # tender gagal / batal


STAGE_ORDER = tuple(s for s in ProcurementStage if s is not ProcurementStage.FAILED)
CLOSED = (ProcurementStage.CONTRACT, ProcurementStage.FAILED)


class ProcurementMethod(StrEnum):
    E_PURCHASING = "e_purchasing"  # katalog elektronik
    DIRECT_PROCUREMENT = "direct_procurement"  # pengadaan langsung
    TENDER = "tender"
    FAST_TENDER = "fast_tender"  # tender cepat
    SELECTION = "selection"  # seleksi (consultancy)
    DIRECT_APPOINTMENT = "direct_appointment"  # penunjukan langsung


class ProcurementCategory(StrEnum):
    GOODS = "goods"  # barang
    CONSTRUCTION = "construction"  # pekerjaan konstruksi
    CONSULTING = "consulting"  # jasa konsultansi
    OTHER_SERVICES = "other_services"  # jasa lainnya


class Package(BaseModel):
    id: str = Field(pattern=r"^[0-9]{6,10}$")  # kode RUP
    name: str = Field(min_length=5)
    activity_code: str = Field(pattern=ACTIVITY_CODE)
    opd: str
    fiscal_year: int = Field(ge=2000, le=2100)
    method: ProcurementMethod
    category: ProcurementCategory
    ceiling: Decimal = Field(gt=0)
    owner_estimate: Decimal | None = Field(None, gt=0)
    stage: ProcurementStage
    announced_on: date
    kecamatan: str | None
    commitment_officer_position_id: str = Field(min_length=1)
    source_updated_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> Package:
        if self.owner_estimate is not None and self.owner_estimate > self.ceiling:
            raise ValueError(f"HPS {self.owner_estimate} exceeds the pagu {self.ceiling}")
        if self.kecamatan is not None and self.kecamatan not in KECAMATAN:
            raise ValueError(f"{self.kecamatan!r} is not a kecamatan of Serdang Bedagai")
        return self


class Contract(BaseModel):
    number: str = Field(min_length=5)
    package_id: str = Field(min_length=1)
    vendor: str = Field(min_length=3)
    vendor_tax_id: str = Field(pattern=NPWP)
    value: Decimal = Field(gt=0)
    signed_on: date
    starts_on: date
    ends_on: date
    source_updated_at: datetime

    @model_validator(mode="after")
    def _dates(self) -> Contract:
        if self.starts_on < self.signed_on:
            raise ValueError("work starts before the contract is signed")
        if self.ends_on <= self.starts_on:
            raise ValueError("work ends before it starts")
        return self
