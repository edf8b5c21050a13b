"""The planning subgraph: RKPD programs and the ``Activity`` entity it defines.

Finance and procurement extend ``Activity`` (budget, packages); its responsible position
(the PPTK) is a ``Position`` reference resolved by personnel, so the official shown is
whoever holds that position now.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import strawberry

from services.kit.graphql.context import RequestContext
from services.kit.graphql.queries import find_page, load_one, related, where
from services.kit.graphql.refs import Position, position
from services.kit.graphql.types import Page
from services.kit.ports import Document
from services.planning import model
from services.planning.domain import COLLECTION

Info = strawberry.Info[RequestContext, None]
strawberry.enum(
    model.ActivityStage,
    description="Tahapan RKPD: rancangan awal, rancangan, musrenbang, rancangan akhir, penetapan.",
)


@strawberry.type(description="Indikator kinerja kegiatan (tolok ukur) and its target.")
class ActivityIndicator:
    code: str
    name: str
    unit: str = strawberry.field(description="Satuan, e.g. %, km, dokumen.")
    target: Decimal


@strawberry.federation.type(keys=["code"], description="Kegiatan in the RKPD (Bappeda e-Planning).")
class Activity:
    code: strawberry.ID = strawberry.field(description="Kode kegiatan, e.g. 1.03.10.2.01.")
    name: str
    program_code: strawberry.Private[str]
    opd: str = strawberry.field(description="The OPD carrying it out, e.g. PUPR.")
    fiscal_year: int
    stage: model.ActivityStage
    stage_since: date
    indicative_ceiling: Decimal = strawberry.field(description="Pagu indikatif in the RKPD.")
    locations: list[str] = strawberry.field(description="Kecamatan where it takes place.")
    indicators: list[ActivityIndicator] = strawberry.field(
        description="Performance indicators with their plan targets."
    )
    responsible_position: Position = strawberry.field(
        description="The PPTK's position; whoever holds it now is responsible."
    )

    @classmethod
    def from_doc(cls, doc: Document) -> Activity:
        return cls(
            code=strawberry.ID(doc["_id"]),
            name=doc["name"],
            program_code=doc["program_code"],
            opd=doc["opd"],
            fiscal_year=doc["fiscal_year"],
            stage=model.ActivityStage(doc["stage"]),
            stage_since=date.fromisoformat(doc["stage_since"]),
            indicative_ceiling=Decimal(doc["indicative_ceiling"]),
            locations=list(doc["locations"]),
            indicators=[
                ActivityIndicator(
                    code=i["code"], name=i["name"], unit=i["unit"], target=Decimal(i["target"])
                )
                for i in doc["indicators"]
            ],
            responsible_position=position(doc["responsible_position_id"]),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, code: strawberry.ID) -> Activity | None:
        return await load_one(info.context, COLLECTION, str(code), cls.from_doc)

    @strawberry.field(description="The RKPD program it belongs to.")
    async def program(self, info: Info) -> Program | None:
        return await load_one(info.context, "program", self.program_code, Program.from_doc)


@strawberry.type(description="Program in the RKPD: a group of activities of one OPD.")
class Program:
    code: strawberry.ID = strawberry.field(description="Kode program, e.g. 1.03.10.")
    name: str
    opd: str
    fiscal_year: int

    @classmethod
    def from_doc(cls, doc: Document) -> Program:
        return cls(
            code=strawberry.ID(doc["_id"]),
            name=doc["name"],
            opd=doc["opd"],
            fiscal_year=doc["fiscal_year"],
        )

    @strawberry.field(description="Its activities, by code.")
    async def activities(self, info: Info) -> list[Activity]:
        docs = await related(
            info.context, COLLECTION, "program_code", str(self.code), sort=[("_id", 1)]
        )
        return [Activity.from_doc(d) for d in docs]


@strawberry.type
class Query:
    @strawberry.field(description="One RKPD activity by its code (kode kegiatan).")
    async def activity(self, info: Info, code: strawberry.ID) -> Activity | None:
        return await Activity.resolve_reference(info, code)

    @strawberry.field(description="RKPD activities, by code.")
    async def activities(
        self,
        info: Info,
        opd: str | None = None,
        stage: model.ActivityStage | None = None,
        program_code: str | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[Activity]:
        flt = where(opd=opd, stage=stage, program_code=program_code)
        return await find_page(info.context, COLLECTION, flt, first, after, Activity.from_doc)

    @strawberry.field(description="One RKPD program by its code.")
    async def program(self, info: Info, code: strawberry.ID) -> Program | None:
        return await load_one(info.context, "program", str(code), Program.from_doc)

    @strawberry.field(description="RKPD programs, by code.")
    async def programs(
        self, info: Info, opd: str | None = None, first: int = 10, after: str | None = None
    ) -> Page[Program]:
        return await find_page(
            info.context, "program", where(opd=opd), first, after, Program.from_doc
        )
