"""The two strawberry subgraphs of this scenario (strawberry's own federation support)."""

from __future__ import annotations

import enum
from typing import Any

import strawberry
from strawberry.federation import Schema

PERMITS: dict[str, dict[str, Any]] = {
    "1": {"applicant": "Toko Sejahtera", "status": "APPROVED", "district": "SRP", "opened": 3},
    "2": {"applicant": "CV Maju", "status": "IN_REVIEW", "district": "PRB", "opened": 30},
    "3": {"applicant": "Koperasi Tani", "status": "IN_REVIEW", "district": None, "opened": 5},
}


@strawberry.enum
class PermitStatus(enum.Enum):
    IN_REVIEW = "IN_REVIEW"
    APPROVED = "APPROVED"


# --- permits subgraph -------------------------------------------------------------------


@strawberry.federation.type(keys=["code"], name="District")
class DistrictRef:
    code: strawberry.ID


@strawberry.federation.type(keys=["id"], name="Permit")
class Permit:
    id: strawberry.ID
    applicant: str
    status: PermitStatus
    district: DistrictRef | None

    @classmethod
    def resolve_reference(cls, **rep: Any) -> Permit | None:
        return _permit(rep["id"])


def _permit(pid: str) -> Permit | None:
    p = PERMITS.get(pid)
    if p is None:
        return None
    district = None if p["district"] is None else DistrictRef(code=strawberry.ID(p["district"]))
    return Permit(
        id=strawberry.ID(pid),
        applicant=p["applicant"],
        status=PermitStatus(p["status"]),
        district=district,
    )


@strawberry.type(name="Query")
class PermitsQuery:
    @strawberry.field
    def permits(self) -> list[Permit]:
        return [p for pid in PERMITS if (p := _permit(pid)) is not None]

    @strawberry.field
    def permit(self, id: strawberry.ID) -> Permit | None:
        return _permit(id)


def permits_schema() -> Schema:
    return Schema(query=PermitsQuery)


# --- sla subgraph -----------------------------------------------------------------------


@strawberry.federation.type(keys=["id"], name="Permit")
class SlaPermit:
    id: strawberry.ID
    status: PermitStatus = strawberry.federation.field(external=True)
    days_open: int = 0

    @strawberry.federation.field(requires=["status"])
    def overdue(self) -> bool:
        return self.status == PermitStatus.IN_REVIEW and self.days_open > 14

    @classmethod
    def resolve_reference(cls, **rep: Any) -> SlaPermit:
        return SlaPermit(
            id=rep["id"],
            status=PermitStatus(rep["status"]) if "status" in rep else PermitStatus.APPROVED,
            days_open=PERMITS[rep["id"]]["opened"],
        )


@strawberry.type(name="Query")
class SlaQuery:
    @strawberry.field
    def overdue_count(self) -> int:
        return sum(1 for p in PERMITS.values() if p["status"] == "IN_REVIEW" and p["opened"] > 14)


def sla_schema() -> Schema:
    return Schema(query=SlaQuery, types=[SlaPermit])
