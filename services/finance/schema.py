"""The finance subgraph: APBD budget lines and SP2D disbursements, and the budget of an
``Activity`` (defined by planning; this subgraph adds its pagu, realisasi and SP2D)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from services.finance import model
from services.finance.domain import BUDGET, DISBURSEMENT, realisation_percent
from services.kit.graphql.context import RequestContext
from services.kit.graphql.queries import find_page, load_one, related, where
from services.kit.graphql.types import Page
from services.kit.ports import Document

Info = strawberry.Info[RequestContext, None]
strawberry.enum(
    model.BudgetPhase, description="Status anggaran: APBD murni, pergeseran, APBD perubahan."
)
strawberry.enum(model.DisbursementKind, description="Jenis SP2D: UP, GU, TU or LS.")
strawberry.enum(model.DisbursementStatus, description="Status SP2D.")


async def _disbursements(info: Info, activity_code: str) -> list[Disbursement]:
    docs = await related(
        info.context, DISBURSEMENT, "activity_code", activity_code, sort=[("_id", 1)]
    )
    return [Disbursement.from_doc(d) for d in docs]


@strawberry.federation.type(keys=["code"], description="Kegiatan; defined by planning.")
class Activity:
    code: strawberry.ID

    @classmethod
    def resolve_reference(cls, code: strawberry.ID) -> Activity:
        return cls(code=code)

    @strawberry.field(description="Its APBD budget line (DPA) of the latest fiscal year.")
    async def budget(self, info: Info) -> BudgetLine | None:
        docs = await related(
            info.context, BUDGET, "activity_code", str(self.code), sort=[("fiscal_year", -1)]
        )
        return BudgetLine.from_doc(docs[0]) if docs else None

    @strawberry.field(description="Its SP2D, by number.")
    async def disbursements(self, info: Info) -> list[Disbursement]:
        return await _disbursements(info, str(self.code))


@strawberry.federation.type(keys=["id"], description="Pagu and realisasi of one activity (DPA).")
class BudgetLine:
    id: strawberry.ID
    fiscal_year: int
    activity: Activity
    opd: str
    dpa_number: str = strawberry.field(description="Nomor DPA (dokumen pelaksanaan anggaran).")
    phase: model.BudgetPhase
    ceiling: Decimal = strawberry.field(description="Pagu anggaran, rupiah.")
    realisation: Decimal = strawberry.field(description="Realisasi: SP2D issued so far, rupiah.")

    @classmethod
    def from_doc(cls, doc: Document) -> BudgetLine:
        return cls(
            id=strawberry.ID(doc["_id"]),
            fiscal_year=doc["fiscal_year"],
            activity=Activity(code=strawberry.ID(doc["activity_code"])),
            opd=doc["opd"],
            dpa_number=doc["dpa_number"],
            phase=model.BudgetPhase(doc["phase"]),
            ceiling=Decimal(doc["ceiling"]),
            realisation=Decimal(doc["realisation"]),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> BudgetLine | None:
        return await load_one(info.context, BUDGET, str(id), cls.from_doc)

    @strawberry.field(description="Pagu not yet realised, rupiah.")
    def remaining(self) -> Decimal:
        return self.ceiling - self.realisation

    @strawberry.field(description="Realisasi as a percentage of the pagu.")
    def realisation_percent(self) -> float:
        return realisation_percent(self.realisation, self.ceiling)

    @strawberry.field(description="The activity's SP2D, by number.")
    async def disbursements(self, info: Info) -> list[Disbursement]:
        return await _disbursements(info, str(self.activity.code))


@strawberry.federation.type(keys=["number"], description="SP2D (surat perintah pencairan dana).")
class Disbursement:
    number: strawberry.ID = strawberry.field(description="Nomor SP2D.")
    activity: Activity
    kind: model.DisbursementKind
    status: model.DisbursementStatus
    issued_on: date | None
    amount: Decimal = strawberry.field(description="Nilai SP2D, rupiah.")
    recipient: str
    description: str | None

    @classmethod
    def from_doc(cls, doc: Document) -> Disbursement:
        issued = doc.get("issued_on")
        return cls(
            number=strawberry.ID(doc["_id"]),
            activity=Activity(code=strawberry.ID(doc["activity_code"])),
            kind=model.DisbursementKind(doc["kind"]),
            status=model.DisbursementStatus(doc["status"]),
            issued_on=date.fromisoformat(issued) if issued else None,
            amount=Decimal(doc["amount"]),
            recipient=doc["recipient"],
            description=doc.get("description"),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, number: strawberry.ID) -> Disbursement | None:
        return await load_one(info.context, DISBURSEMENT, str(number), cls.from_doc)


@strawberry.type
class Query:
    @strawberry.field(description="One budget line by id (<fiscal year>-<activity code>).")
    async def budget_line(self, info: Info, id: strawberry.ID) -> BudgetLine | None:
        return await BudgetLine.resolve_reference(info, id)

    @strawberry.field(description="Budget lines, by id.")
    async def budget_lines(
        self,
        info: Info,
        opd: str | None = None,
        fiscal_year: int | None = None,
        phase: model.BudgetPhase | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[BudgetLine]:
        flt = where(opd=opd, fiscal_year=fiscal_year, phase=phase)
        return await find_page(info.context, BUDGET, flt, first, after, BudgetLine.from_doc)

    @strawberry.field(description="One SP2D by its number.")
    async def disbursement(self, info: Info, number: strawberry.ID) -> Disbursement | None:
        return await Disbursement.resolve_reference(info, number)

    @strawberry.field(description="SP2D, newest first.")
    async def disbursements(
        self,
        info: Info,
        activity_code: str | None = None,
        status: model.DisbursementStatus | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[Disbursement]:
        flt = where(activity_code=activity_code, status=status)
        return await find_page(
            info.context,
            DISBURSEMENT,
            flt,
            first,
            after,
            Disbursement.from_doc,
            sort=[("source_updated_at", -1)],
        )
