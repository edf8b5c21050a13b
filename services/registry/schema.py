"""The registry subgraph: it DEFINES ``Application`` (every other service extends it with its
own ``<service>Sync``), with its owner as a ``Position`` reference, its infrastructure
readiness and its latest uptime probe."""

from __future__ import annotations

from datetime import date, datetime

import strawberry

from services.kit.graphql.context import RequestContext
from services.kit.graphql.queries import find_page, load_one, related, where
from services.kit.graphql.refs import Activity, Position, activity, position
from services.kit.graphql.schema import application_sync_field
from services.kit.graphql.types import Page, SyncStatus
from services.kit.ports import Document
from services.registry import model
from services.registry.domain import APPLICATION, FUNDING, PROBE, READINESS, ready

Info = strawberry.Info[RequestContext, None]
strawberry.enum(
    model.ApplicationStage,
    description="Tahap aplikasi: perencanaan, pengembangan, uji coba, operasional.",
)
strawberry.enum(model.ReadinessLevel, description="Tingkat kesiapan: belum siap, sebagian, siap.")
strawberry.enum(
    model.FundingPurpose,
    description="Jenis pendanaan: pembangunan (build) atau operasional dan pemeliharaan (operate).",
)


@strawberry.type(
    description="Pendanaan: the part of an APBD activity's budget line that builds or runs an "
    "application; its budget and realisation come from finance through the activity."
)
class ApplicationFunding:
    activity: Activity = strawberry.field(description="The funding activity (kegiatan).")
    purpose: model.FundingPurpose
    fiscal_year: int
    share_percent: int = strawberry.field(
        description="Percent of the activity's budget line given to this application."
    )
    note: str | None

    @classmethod
    def from_doc(cls, doc: Document) -> ApplicationFunding:
        return cls(
            activity=activity(doc["activity_code"]),
            purpose=model.FundingPurpose(doc["purpose"]),
            fiscal_year=doc["fiscal_year"],
            share_percent=doc["share_percent"],
            note=doc.get("note"),
        )


@strawberry.type(description="Kesiapan infrastruktur: network, data centre, hardware, people.")
class InfrastructureReadiness:
    network: model.ReadinessLevel = strawberry.field(description="Jaringan.")
    data_centre: model.ReadinessLevel = strawberry.field(description="Pusat data.")
    hardware: model.ReadinessLevel = strawberry.field(description="Perangkat keras.")
    people: model.ReadinessLevel = strawberry.field(description="Sumber daya manusia.")
    assessed_on: date
    note: str | None
    ready: bool = strawberry.field(description="Every dimension is ready.")

    @classmethod
    def from_doc(cls, doc: Document) -> InfrastructureReadiness:
        return cls(
            network=model.ReadinessLevel(doc["network"]),
            data_centre=model.ReadinessLevel(doc["data_centre"]),
            hardware=model.ReadinessLevel(doc["hardware"]),
            people=model.ReadinessLevel(doc["people"]),
            assessed_on=date.fromisoformat(doc["assessed_on"]),
            note=doc.get("note"),
            ready=ready(doc),
        )


@strawberry.type(description="Pemantauan: the latest uptime probe of an application.")
class UptimeProbe:
    up: bool
    http_status: int | None
    response_ms: int | None
    checked_at: datetime
    consecutive_failures: int
    down_since: datetime | None = strawberry.field(description="When it stopped answering.")

    @classmethod
    def from_doc(cls, doc: Document) -> UptimeProbe:
        since = doc.get("down_since")
        return cls(
            up=doc["status"] == "up",
            http_status=doc.get("http_status"),
            response_ms=doc.get("response_ms"),
            checked_at=datetime.fromisoformat(doc["checked_at"]),
            consecutive_failures=doc["consecutive_failures"],
            down_since=datetime.fromisoformat(since) if since else None,
        )


@strawberry.federation.type(keys=["id"], description="An application in Kominfo's registry.")
class Application:
    id: strawberry.ID
    name: str
    description: str | None
    owner_opd: str = strawberry.field(description="The OPD that owns it.")
    owner: Position = strawberry.field(
        description="The owner's position; whoever holds it now answers for the application."
    )
    stage: model.ApplicationStage
    stage_since: date
    url: str | None
    registry_sync: SyncStatus | None = application_sync_field("registry")

    @classmethod
    def from_doc(cls, doc: Document) -> Application:
        return cls(
            id=strawberry.ID(doc["_id"]),
            name=doc["name"],
            description=doc.get("description"),
            owner_opd=doc["owner_opd"],
            owner=position(doc["owner_position_id"]),
            stage=model.ApplicationStage(doc["stage"]),
            stage_since=date.fromisoformat(doc["stage_since"]),
            url=doc.get("url"),
        )

    @classmethod
    async def resolve_reference(cls, info: Info, id: strawberry.ID) -> Application | None:
        return await load_one(info.context, APPLICATION, str(id), cls.from_doc)

    @strawberry.field(description="Its infrastructure readiness (null until assessed).")
    async def readiness(self, info: Info) -> InfrastructureReadiness | None:
        return await load_one(
            info.context, READINESS, str(self.id), InfrastructureReadiness.from_doc
        )

    @strawberry.field(
        description="The APBD activities that fund building or running it (pendanaan)."
    )
    async def funding(self, info: Info) -> list[ApplicationFunding]:
        docs = await related(
            info.context, FUNDING, "application_id", str(self.id), sort=(("_id", 1),)
        )
        return [ApplicationFunding.from_doc(d) for d in docs]

    @strawberry.field(description="Its latest uptime probe (null until probed).")
    async def uptime(self, info: Info) -> UptimeProbe | None:
        return await load_one(info.context, PROBE, str(self.id), UptimeProbe.from_doc)


@strawberry.type
class Query:
    @strawberry.field(description="One application by its registry id, e.g. sicantik.")
    async def application(self, info: Info, id: strawberry.ID) -> Application | None:
        return await Application.resolve_reference(info, id)

    @strawberry.field(description="Registered applications, by id.")
    async def applications(
        self,
        info: Info,
        stage: model.ApplicationStage | None = None,
        owner_opd: str | None = None,
        first: int = 10,
        after: str | None = None,
    ) -> Page[Application]:
        return await find_page(
            info.context,
            APPLICATION,
            where(stage=stage, owner_opd=owner_opd),
            first,
            after,
            Application.from_doc,
        )
