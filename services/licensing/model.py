"""Canonical permit application (permohonan izin) and its legal service deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field, model_validator

from services.domain.regency import KECAMATAN
from services.kit.calendar import add_working_days
from services.kit.converters import WIB


class PermitStatus(StrEnum):
    SUBMITTED = "submitted"
    VERIFIED = "verified"
    APPROVED = "approved"
    REJECTED = "rejected"


OPEN_STATUSES = (PermitStatus.SUBMITTED, PermitStatus.VERIFIED)


@dataclass(frozen=True, slots=True)
class PermitType:
    code: str
    name: str
    sla_working_days: int  # the legal service deadline (standar pelayanan)


PERMIT_TYPES: dict[str, PermitType] = {
    t.code: t
    for t in (
        PermitType("PBG", "Persetujuan Bangunan Gedung", 28),
        PermitType("IUTS", "Izin Usaha Toko Swalayan", 15),
        PermitType("SIP", "Surat Izin Praktik Tenaga Kesehatan", 5),
        PermitType("REKLAME", "Izin Penyelenggaraan Reklame", 7),
        PermitType("SIUP_IKAN", "Izin Usaha Perikanan", 10),
        PermitType("TDUP", "Tanda Daftar Usaha Pariwisata", 3),
    )
}


class Permit(BaseModel):
    id: str = Field(min_length=1)
    permit_type: str
    applicant: str = Field(min_length=2)
    business_name: str | None
    kecamatan: str
    submitted_on: date
    status: PermitStatus
    verifier_position_id: str = Field(min_length=1)
    investment_value: Decimal = Field(ge=0)
    decided_on: date | None
    rejection_reason: str | None
    source_revision: int = Field(ge=1)
    source_updated_at: datetime | None  # when SiCantik last changed it (diubah_pada)

    @model_validator(mode="after")
    def _consistent(self) -> Permit:
        if self.permit_type not in PERMIT_TYPES:
            raise ValueError(f"unknown permit type {self.permit_type!r}")
        if self.kecamatan not in KECAMATAN:
            raise ValueError(f"{self.kecamatan!r} is not a kecamatan of Serdang Bedagai")
        decided = self.status in (PermitStatus.APPROVED, PermitStatus.REJECTED)
        if decided and self.decided_on is None:
            raise ValueError(f"a {self.status} permit needs its decision date")
        if self.decided_on is not None and self.decided_on < self.submitted_on:
            raise ValueError("decided before it was submitted")
        if self.status is PermitStatus.REJECTED and not self.rejection_reason:
            raise ValueError("a rejected permit needs its reason")
        return self

    @computed_field  # type: ignore[prop-decorator]
    @property
    def sla_deadline(self) -> date:
        days = PERMIT_TYPES[self.permit_type].sla_working_days
        return add_working_days(self.submitted_on, days)


def sla_breached(status: str, deadline: date, decided_on: date | None, now: datetime) -> bool:
    """Open past its deadline (local date), or decided after it."""
    if status in OPEN_STATUSES:
        return now.astimezone(WIB).date() > deadline
    return decided_on is not None and decided_on > deadline
