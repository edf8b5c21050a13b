"""Canonical APBD budget line (pagu and realisasi per activity) and disbursement (SP2D)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

ACTIVITY_CODE = r"^[1-9]\.[0-9]{2}\.[0-9]{2}\.2\.[0-9]{2}$"


class BudgetPhase(StrEnum):
    ORIGINAL = "original"  # APBD murni
    SHIFTED = "shifted"  # pergeseran anggaran
    AMENDED = "amended"  # APBD perubahan


class DisbursementKind(StrEnum):
    UP = "UP"  # uang persediaan
    GU = "GU"  # ganti uang persediaan
    TU = "TU"  # tambahan uang persediaan
    LS = "LS"  # langsung (to a vendor or payroll)


class DisbursementStatus(StrEnum):
    PROCESSING = "processing"  # SPM accepted, SP2D being drawn up
    ISSUED = "issued"  # SP2D terbit: the bank pays
    CANCELLED = "cancelled"


class BudgetLine(BaseModel):
    id: str = Field(min_length=1)
    fiscal_year: int = Field(ge=2000, le=2100)
    activity_code: str = Field(pattern=ACTIVITY_CODE)
    opd: str
    dpa_number: str = Field(min_length=3)
    phase: BudgetPhase
    ceiling: Decimal = Field(ge=0)
    realisation: Decimal = Field(ge=0)
    source_revision: int = Field(ge=1)
    source_updated_at: datetime | None  # when e-Budgeting last changed it (diubah_pada)

    @model_validator(mode="after")
    def _within_ceiling(self) -> BudgetLine:
        if self.realisation > self.ceiling:
            raise ValueError(f"realisation {self.realisation} exceeds the pagu {self.ceiling}")
        return self


class Disbursement(BaseModel):
    number: str = Field(min_length=3)
    activity_code: str = Field(pattern=ACTIVITY_CODE)
    fiscal_year: int = Field(ge=2000, le=2100)
    kind: DisbursementKind
    status: DisbursementStatus
    issued_on: date | None
    amount: Decimal = Field(gt=0)
    recipient: str = Field(min_length=3)
    description: str | None
    source_updated_at: datetime

    @model_validator(mode="after")
    def _dated(self) -> Disbursement:
        if self.status is DisbursementStatus.ISSUED and self.issued_on is None:
            raise ValueError("an issued SP2D needs its date")
        if self.issued_on is not None and self.issued_on.year != self.fiscal_year:
            raise ValueError(f"SP2D dated {self.issued_on} outside fiscal year {self.fiscal_year}")
        return self
