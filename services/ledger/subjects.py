"""The entity an entry is about, as a federation reference to the subgraph that owns it.

Each stub repeats only the owner's type name and ``@key`` field (``resolvable: false``: the
ledger cannot resolve them); the gateway fetches every other field from the owner, so a
permit's status, applicant and verifier holder come from licensing and personnel.
``SUBJECTS`` maps (service, event family) to the type; a unit test checks it against every
catalog service's families and committed SDL.
"""

from __future__ import annotations

from typing import Annotated, Any

import strawberry
from strawberry.federation.schema_directives import FieldSet, Key


def _ref(key: str) -> list[Key]:
    return [Key(fields=FieldSet(key), resolvable=False)]


@strawberry.federation.type(
    name="PermitApplication", keys=_ref("id"), description="Permohonan izin; defined by licensing."
)
class PermitApplicationRef:
    id: strawberry.ID


@strawberry.federation.type(
    name="Employee", keys=_ref("nip"), description="ASN; defined by personnel."
)
class EmployeeRef:
    nip: strawberry.ID


@strawberry.federation.type(
    name="Activity", keys=_ref("code"), description="Kegiatan; defined by planning."
)
class ActivityRef:
    code: strawberry.ID


@strawberry.federation.type(
    name="BudgetLine", keys=_ref("id"), description="Pagu and realisasi; defined by finance."
)
class BudgetLineRef:
    id: strawberry.ID


@strawberry.federation.type(
    name="Disbursement", keys=_ref("number"), description="SP2D; defined by finance."
)
class DisbursementRef:
    number: strawberry.ID


@strawberry.federation.type(
    name="ProcurementPackage",
    keys=_ref("id"),
    description="Paket pengadaan; defined by procurement.",
)
class ProcurementPackageRef:
    id: strawberry.ID


@strawberry.federation.type(
    name="Contract", keys=_ref("number"), description="Kontrak; defined by procurement."
)
class ContractRef:
    number: strawberry.ID


@strawberry.federation.type(
    name="Application", keys=_ref("id"), description="An application in Kominfo's registry."
)
class ApplicationRef:
    id: strawberry.ID


LedgerSubject = Annotated[
    PermitApplicationRef
    | EmployeeRef
    | ActivityRef
    | BudgetLineRef
    | DisbursementRef
    | ProcurementPackageRef
    | ContractRef
    | ApplicationRef,
    strawberry.union("LedgerSubject", description="The entity an event is about."),
]

SUBJECTS: dict[tuple[str, str], tuple[type, str]] = {
    ("licensing", "permit"): (PermitApplicationRef, "id"),
    ("personnel", "employee"): (EmployeeRef, "nip"),
    ("planning", "activity"): (ActivityRef, "code"),
    ("finance", "budget"): (BudgetLineRef, "id"),
    ("finance", "disbursement"): (DisbursementRef, "number"),
    ("procurement", "package"): (ProcurementPackageRef, "id"),
    ("procurement", "contract"): (ContractRef, "number"),
    ("registry", "application"): (ApplicationRef, "id"),
}


def subject_ref(service: str | None, entity_type: str | None, entity_id: str | None) -> Any:
    """The reference for an entry's subject, or None for an entity no subgraph defines."""
    found = SUBJECTS.get((service or "", entity_type or ""))
    if found is None or not entity_id:
        return None
    cls, key = found
    return cls(**{key: strawberry.ID(entity_id)})
