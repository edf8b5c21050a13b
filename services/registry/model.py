"""Canonical application (each OPD system), its infrastructure readiness and uptime probe."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field, model_validator

APPLICATION_ID = r"^[a-z0-9][a-z0-9-]{1,40}$"


class ApplicationStage(StrEnum):
    PLANNED = "planned"  # perencanaan
    DEVELOPMENT = "development"  # pengembangan
    TRIAL = "trial"  # uji coba
    PRODUCTION = "production"  # operasional


class ReadinessLevel(StrEnum):
    NOT_READY = "not_ready"  # belum siap
    PARTIAL = "partial"  # sebagian
    READY = "ready"  # siap


class ProbeStatus(StrEnum):
    UP = "up"
    DOWN = "down"


class FundingPurpose(StrEnum):
    BUILD = "build"  # pembangunan / pengembangan
    OPERATE = "operate"  # operasional dan pemeliharaan


DIMENSIONS = ("network", "data_centre", "hardware", "people")


class Application(BaseModel):
    id: str = Field(pattern=APPLICATION_ID)
    name: str = Field(min_length=3)
    description: str | None
    owner_opd: str
    owner_position_id: str = Field(min_length=1)
    stage: ApplicationStage
    stage_since: date
    url: str | None = Field(None, pattern=r"^https?://\S+$")
    source_updated_at: datetime


class Readiness(BaseModel):
    id: str = Field(pattern=APPLICATION_ID)  # the application's
    network: ReadinessLevel
    data_centre: ReadinessLevel
    hardware: ReadinessLevel
    people: ReadinessLevel
    assessed_on: date
    note: str | None
    source_updated_at: datetime


class Probe(BaseModel):
    id: str = Field(pattern=APPLICATION_ID)  # the application's
    status: ProbeStatus
    http_status: int | None = Field(None, ge=100, le=599)
    response_ms: int | None = Field(None, ge=0)
    checked_at: datetime
    consecutive_failures: int = Field(ge=0)
    source_updated_at: datetime

    @model_validator(mode="after")
    def _consistent(self) -> Probe:
        if self.status is ProbeStatus.UP and self.consecutive_failures:
            raise ValueError("an application that answers has no consecutive failures")
        if self.status is ProbeStatus.DOWN and self.consecutive_failures < 1:
            raise ValueError("a failed probe counts at least one failure")
        return self


class Funding(BaseModel):
    """An application's claim on an APBD activity (kegiatan): which part of its budget line
    builds or runs the application, as Kominfo records it in the registry."""

    id: str = Field(min_length=3)  # <application id>--<activity code>
    application_id: str = Field(pattern=APPLICATION_ID)
    activity_code: str = Field(pattern=r"^\d+(\.\d+)+$")
    purpose: FundingPurpose
    fiscal_year: int = Field(ge=2000, le=2100)
    share_percent: int = Field(gt=0, le=100)  # of the activity's budget line, whole percent
    note: str | None
    source_updated_at: datetime
