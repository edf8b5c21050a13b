"""The personnel subgraph: Employee, Position (the shared jabatan entity) and assignments."""

from __future__ import annotations

from datetime import date, datetime
from functools import partial

import strawberry

from services.kit.graphql.context import RequestContext
from services.kit.graphql.types import Page
from services.kit.ports import Document
from services.personnel import holders, model

Info = strawberry.Info[RequestContext, None]
strawberry.enum(model.EmployeeStatus, description="Status kepegawaian.")
strawberry.enum(
    model.MoveKind, name="StaffMoveKind", description="Jenis mutasi: pengangkatan, mutasi, rotasi."
)
strawberry.enum(model.PositionKind, description="Jenis jabatan: struktural, fungsional, pelaksana.")


def _d(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


async def _employee(info: Info, nip: str | None) -> Employee | None:
    doc = await info.context.docs("employee").load(nip) if nip else None
    return Employee.from_doc(doc) if doc else None


async def _position(info: Info, position_id: str | None) -> Position | None:
    doc = await info.context.docs("position").load(position_id) if position_id else None
    return Position.from_doc(doc) if doc else None


async def _assignments(info: Info, field: str, value: str) -> list[PositionAssignment]:
    page = await info.context.collection("assignment").find(
        {field: value}, sort=[("start", -1)], limit=200
    )
    return [PositionAssignment.from_doc(d) for d in page.items]


@strawberry.federation.type(
    keys=["nip"], description="Aparatur Sipil Negara (ASN) registered in SIMPEG."
)
class Employee:
    nip: strawberry.ID = strawberry.field(description="NIP, 18 digits.")
    name: str
    birth_date: date
    sex: str
    rank: str = strawberry.field(description="Golongan ruang, e.g. III/a.")
    status: model.EmployeeStatus
    opd: str
    position_id: strawberry.Private[str | None]
    position_since: date | None = strawberry.field(description="TMT jabatan.")

    @classmethod
    def from_doc(cls, doc: Document) -> Employee:
        return cls(
            nip=strawberry.ID(doc["_id"]),
            name=doc["name"],
            birth_date=date.fromisoformat(doc["birth_date"]),
            sex=doc["sex"],
            rank=doc["rank"],
            status=model.EmployeeStatus(doc["status"]),
            opd=doc["opd"],
            position_id=doc.get("position_id"),
            position_since=_d(doc.get("position_since")),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, nip: strawberry.ID) -> Employee | None:
        return await _employee(info, str(nip))

    @strawberry.field(description="The position (jabatan) held now.")
    async def position(self, info: Info) -> Position | None:
        return await _position(info, self.position_id)

    @strawberry.field(description="Riwayat jabatan, newest first.")
    async def assignments(self, info: Info) -> list[PositionAssignment]:
        return await _assignments(info, "nip", str(self.nip))


@strawberry.federation.type(
    keys=["id"], description="Jabatan: responsibilities belong to positions; holders change."
)
class Position:
    id: strawberry.ID
    name: str
    kind: model.PositionKind
    eselon: str | None
    opd: str

    @classmethod
    def from_doc(cls, doc: Document) -> Position:
        return cls(
            id=strawberry.ID(doc["_id"]),
            name=doc["name"],
            kind=model.PositionKind(doc["kind"]),
            eselon=doc.get("eselon") or None,
            opd=doc["opd"],
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Position | None:
        return await _position(info, str(id))

    @strawberry.field(description="Who holds this position now (null when vacant).")
    async def holder(self, info: Info) -> Employee | None:
        ctx = info.context
        doc = await ctx.loader("holder", partial(holders.current_holders, ctx)).load(str(self.id))
        return Employee.from_doc(doc) if doc else None

    @strawberry.field(description="Who held this position at a given moment (TMT dates, WIB).")
    async def holder_at(self, info: Info, at: datetime) -> Employee | None:
        ctx = info.context
        load = partial(holders.holders_at, ctx, at)
        return await _employee(info, await ctx.loader(("holder_at", at), load).load(str(self.id)))

    @strawberry.field(description="Everyone who held this position, newest first.")
    async def assignments(self, info: Info) -> list[PositionAssignment]:
        return await _assignments(info, "position_id", str(self.id))


@strawberry.type(description="Riwayat jabatan: one employee in one position for a period.")
class PositionAssignment:
    id: strawberry.ID
    nip: strawberry.Private[str]
    position_id: strawberry.Private[str]
    previous_position_id: strawberry.Private[str | None]
    start: date = strawberry.field(description="TMT mulai.")
    end: date | None = strawberry.field(description="TMT selesai (null while in force).")
    kind: model.MoveKind
    decree: str = strawberry.field(description="Nomor SK.")

    @classmethod
    def from_doc(cls, doc: Document) -> PositionAssignment:
        return cls(
            id=strawberry.ID(doc["_id"]),
            nip=doc["nip"],
            position_id=doc["position_id"],
            previous_position_id=doc.get("previous_position_id"),
            start=date.fromisoformat(doc["start"]),
            end=_d(doc.get("end")),
            kind=model.MoveKind(doc["kind"]),
            decree=doc["decree"],
        )

    @strawberry.field
    async def employee(self, info: Info) -> Employee | None:
        return await _employee(info, self.nip)

    @strawberry.field
    async def position(self, info: Info) -> Position | None:
        return await _position(info, self.position_id)

    @strawberry.field
    async def previous_position(self, info: Info) -> Position | None:
        return await _position(info, self.previous_position_id)


def _page_args(first: int) -> int:
    return max(1, min(first, 200))


@strawberry.type
class Query:
    @strawberry.field(description="One employee by NIP.")
    async def employee(self, info: Info, nip: strawberry.ID) -> Employee | None:
        return await _employee(info, str(nip))

    @strawberry.field(description="Employees, by NIP.")
    async def employees(
        self,
        info: Info,
        opd: str | None = None,
        status: model.EmployeeStatus | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[Employee]:
        flt = {k: v for k, v in (("opd", opd), ("status", status and str(status))) if v}
        page = await info.context.collection("employee").find(
            flt, sort=[("nip", 1)], limit=_page_args(first), after=after
        )
        return Page(items=[Employee.from_doc(d) for d in page.items], next_cursor=page.next_cursor)

    @strawberry.field(description="One position (jabatan) by id.")
    async def position(self, info: Info, id: strawberry.ID) -> Position | None:
        return await _position(info, str(id))

    @strawberry.field(description="Positions, by id.")
    async def positions(
        self, info: Info, opd: str | None = None, first: int = 10, after: str | None = None
    ) -> Page[Position]:
        page = await info.context.collection("position").find(
            {"opd": opd} if opd else None, sort=[("_id", 1)], limit=_page_args(first), after=after
        )
        return Page(items=[Position.from_doc(d) for d in page.items], next_cursor=page.next_cursor)
