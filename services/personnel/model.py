"""Canonical employee (ASN), position (jabatan) and assignment (riwayat jabatan)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

from services.kit.nip import parse_nip


class EmployeeStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"


class MoveKind(StrEnum):
    APPOINTMENT = "appointment"  # pengangkatan
    TRANSFER = "transfer"  # mutasi
    ROTATION = "rotation"  # rotasi


class PositionKind(StrEnum):
    STRUCTURAL = "structural"
    FUNCTIONAL = "functional"
    EXECUTOR = "executor"


class Employee(BaseModel):
    nip: str
    name: str = Field(min_length=2)
    birth_date: date
    sex: str  # "male" | "female"
    rank: str = Field(pattern=r"^(I|II|III|IV)/[a-e]$")  # golongan ruang, e.g. III/a
    status: EmployeeStatus
    opd: str
    position_id: str | None
    position_since: date | None
    last_move: MoveKind | None
    last_decree: str | None
    source_updated_at: datetime

    @model_validator(mode="after")
    def _nip_agrees(self) -> Employee:
        parts = parse_nip(self.nip)  # ValueError → quarantine with the reason
        if parts.birth != self.birth_date:
            raise ValueError("birth date does not match the NIP")
        if ("male", "female")[parts.sex - 1] != self.sex:
            raise ValueError("sex does not match the NIP")
        if self.status is EmployeeStatus.RETIRED and self.position_id:
            raise ValueError("a retired employee cannot hold a position")
        return self


class Position(BaseModel):
    id: str = Field(min_length=1)
    name: str = Field(min_length=2)
    kind: PositionKind
    eselon: str | None
    opd: str
    source_updated_at: datetime


class Assignment(BaseModel):
    id: str = Field(min_length=1)
    nip: str = Field(min_length=18, max_length=18)
    position_id: str
    previous_position_id: str | None
    start: date
    end: date | None
    kind: MoveKind
    decree: str
    source_updated_at: datetime

    @model_validator(mode="after")
    def _ordered(self) -> Assignment:
        if self.end is not None and self.end < self.start:
            raise ValueError("assignment ends before it starts")
        return self
