"""The licensing subgraph: permit applications, their verifier as a ``Position`` reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry
from strawberry.federation.schema_directives import FieldSet, Key

from services.kit.graphql.context import RequestContext
from services.kit.graphql.types import Page
from services.kit.ports import Document
from services.licensing import model
from services.licensing.domain import COLLECTION
from services.licensing.model import PERMIT_TYPES

Info = strawberry.Info[RequestContext, None]


strawberry.enum(model.PermitStatus, description="Status permohonan izin.")


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="Jabatan; defined by the personnel service.",
)
class Position:
    id: strawberry.ID


@strawberry.federation.type(keys=["id"], description="Permohonan izin at Dinas PMPTSP (SiCantik).")
class PermitApplication:
    id: strawberry.ID
    permit_type: str = strawberry.field(description="Kode jenis izin, e.g. PBG.")
    permit_type_name: str
    applicant: str
    business_name: str | None
    kecamatan: str
    submitted_on: date
    status: model.PermitStatus
    verifier: Position = strawberry.field(
        description="The position responsible for verification; whoever holds it is responsible."
    )
    investment_value: Decimal = strawberry.field(description="Nilai investasi, rupiah.")
    decided_on: date | None
    rejection_reason: str | None
    sla_deadline: date = strawberry.field(
        description="Legal service deadline (working days after submission)."
    )
    sla_breached: bool

    @classmethod
    def from_doc(cls, doc: Document) -> PermitApplication:
        return cls(
            id=strawberry.ID(doc["_id"]),
            permit_type=doc["permit_type"],
            permit_type_name=PERMIT_TYPES[doc["permit_type"]].name,
            applicant=doc["applicant"],
            business_name=doc.get("business_name"),
            kecamatan=doc["kecamatan"],
            submitted_on=date.fromisoformat(doc["submitted_on"]),
            status=model.PermitStatus(doc["status"]),
            verifier=Position(id=strawberry.ID(doc["verifier_position_id"])),
            investment_value=Decimal(doc["investment_value"]),
            decided_on=date.fromisoformat(doc["decided_on"]) if doc.get("decided_on") else None,
            rejection_reason=doc.get("rejection_reason"),
            sla_deadline=date.fromisoformat(doc["sla_deadline"]),
            sla_breached=bool(doc.get("sla_breached")),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> PermitApplication | None:
        doc = await info.context.docs(COLLECTION).load(str(id))
        return cls.from_doc(doc) if doc else None


@strawberry.type
class Query:
    @strawberry.field(description="One permit application by its number (no_permohonan).")
    async def permit_application(self, info: Info, id: strawberry.ID) -> PermitApplication | None:
        return await PermitApplication.resolve_reference(info, id)

    @strawberry.field(description="Permit applications, newest submission first.")
    async def permit_applications(
        self,
        info: Info,
        status: model.PermitStatus | None = None,
        kecamatan: str | None = None,
        sla_breached: bool | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[PermitApplication]:
        flt: dict[str, object] = {}
        if status is not None:
            flt["status"] = str(status)
        if kecamatan is not None:
            flt["kecamatan"] = kecamatan
        if sla_breached is not None:
            flt["sla_breached"] = sla_breached
        page = await info.context.collection(COLLECTION).find(
            flt, sort=[("submitted_on", -1)], limit=max(1, min(first, 200)), after=after
        )
        return Page(
            items=[PermitApplication.from_doc(d) for d in page.items], next_cursor=page.next_cursor
        )
