"""The procurement subgraph: RUP packages with their stages and contracts, the packages of
an ``Activity`` (defined by planning), and the PPK as a ``Position`` reference."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from services.kit.graphql.context import RequestContext
from services.kit.graphql.queries import find_page, load_one, related, where
from services.kit.graphql.refs import Position, position
from services.kit.graphql.types import Page
from services.kit.ports import Document
from services.procurement import model
from services.procurement.domain import CONTRACT, PACKAGE

Info = strawberry.Info[RequestContext, None]
strawberry.enum(
    model.ProcurementStage, description="Tahapan pemilihan, from announcement to contract."
)
strawberry.enum(model.ProcurementMethod, description="Metode pemilihan.")
strawberry.enum(model.ProcurementCategory, description="Jenis pengadaan.")


@strawberry.federation.type(keys=["code"], description="Kegiatan; defined by planning.")
class Activity:
    code: strawberry.ID

    @classmethod
    def resolve_reference(cls, code: strawberry.ID) -> Activity:
        return cls(code=code)

    @strawberry.field(description="Its procurement packages (paket RUP), by kode RUP.")
    async def procurement_packages(self, info: Info) -> list[ProcurementPackage]:
        docs = await related(
            info.context, PACKAGE, "activity_code", str(self.code), sort=[("_id", 1)]
        )
        return [ProcurementPackage.from_doc(d) for d in docs]


@strawberry.federation.type(keys=["id"], description="Paket pengadaan in the RUP (UKPBJ).")
class ProcurementPackage:
    id: strawberry.ID = strawberry.field(description="Kode RUP.")
    name: str
    activity: Activity
    opd: str
    fiscal_year: int
    method: model.ProcurementMethod
    category: model.ProcurementCategory
    ceiling: Decimal = strawberry.field(description="Pagu paket, rupiah.")
    owner_estimate: Decimal | None = strawberry.field(description="HPS (owner's estimate).")
    stage: model.ProcurementStage
    announced_on: date
    kecamatan: str | None
    commitment_officer: Position = strawberry.field(
        description="The PPK's position; whoever holds it now signs the contract."
    )

    @classmethod
    def from_doc(cls, doc: Document) -> ProcurementPackage:
        hps = doc.get("owner_estimate")
        return cls(
            id=strawberry.ID(doc["_id"]),
            name=doc["name"],
            activity=Activity(code=strawberry.ID(doc["activity_code"])),
            opd=doc["opd"],
            fiscal_year=doc["fiscal_year"],
            method=model.ProcurementMethod(doc["method"]),
            category=model.ProcurementCategory(doc["category"]),
            ceiling=Decimal(doc["ceiling"]),
            owner_estimate=Decimal(hps) if hps else None,
            stage=model.ProcurementStage(doc["stage"]),
            announced_on=date.fromisoformat(doc["announced_on"]),
            kecamatan=doc.get("kecamatan"),
            commitment_officer=position(doc["commitment_officer_position_id"]),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> ProcurementPackage | None:
        return await load_one(info.context, PACKAGE, str(id), cls.from_doc)

    @strawberry.field(description="The contract, once signed.")
    async def contract(self, info: Info) -> Contract | None:
        docs = await related(info.context, CONTRACT, "package_id", str(self.id))
        return Contract.from_doc(docs[0]) if docs else None


@strawberry.federation.type(keys=["number"], description="Kontrak of a procurement package.")
class Contract:
    number: strawberry.ID = strawberry.field(description="Nomor kontrak / SPK.")
    package_id: strawberry.Private[str]
    vendor: str = strawberry.field(description="Penyedia.")
    vendor_tax_id: str = strawberry.field(description="NPWP of the vendor.")
    value: Decimal = strawberry.field(description="Nilai kontrak, rupiah.")
    signed_on: date
    starts_on: date
    ends_on: date

    @classmethod
    def from_doc(cls, doc: Document) -> Contract:
        return cls(
            number=strawberry.ID(doc["_id"]),
            package_id=doc["package_id"],
            vendor=doc["vendor"],
            vendor_tax_id=doc["vendor_tax_id"],
            value=Decimal(doc["value"]),
            signed_on=date.fromisoformat(doc["signed_on"]),
            starts_on=date.fromisoformat(doc["starts_on"]),
            ends_on=date.fromisoformat(doc["ends_on"]),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, number: strawberry.ID) -> Contract | None:
        return await load_one(info.context, CONTRACT, str(number), cls.from_doc)

    @strawberry.field(description="The package it was awarded for.")
    async def package(self, info: Info) -> ProcurementPackage | None:
        return await ProcurementPackage.resolve_reference(info, strawberry.ID(self.package_id))


@strawberry.type
class Query:
    @strawberry.field(description="One procurement package by its kode RUP.")
    async def procurement_package(self, info: Info, id: strawberry.ID) -> ProcurementPackage | None:
        return await ProcurementPackage.resolve_reference(info, id)

    @strawberry.field(description="Procurement packages, by kode RUP.")
    async def procurement_packages(
        self,
        info: Info,
        opd: str | None = None,
        stage: model.ProcurementStage | None = None,
        method: model.ProcurementMethod | None = None,
        activity_code: str | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[ProcurementPackage]:
        flt = where(opd=opd, stage=stage, method=method, activity_code=activity_code)
        return await find_page(
            info.context, PACKAGE, flt, first, after, ProcurementPackage.from_doc
        )

    @strawberry.field(description="One contract by its number.")
    async def contract(self, info: Info, number: strawberry.ID) -> Contract | None:
        return await Contract.resolve_reference(info, number)

    @strawberry.field(description="Contracts, latest signed first.")
    async def contracts(
        self, info: Info, first: int = 10, after: str | None = None
    ) -> Page[Contract]:
        return await find_page(
            info.context, CONTRACT, {}, first, after, Contract.from_doc, sort=[("signed_on", -1)]
        )
