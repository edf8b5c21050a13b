"""Build a service's federation subgraph: its own Query plus what the kit adds.

The kit adds, named after the service so six subgraphs never collide:
``<service>SyncStatus`` and ``<service>Quarantine`` on Query, and ``<service>Sync`` on the
shared ``Application @key(fields: "id")`` entity (defined by the registry service, whose own
``Application`` type in ``spec.types`` replaces the kit's and carries ``registrySync`` itself).
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, Final

import strawberry
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation import Schema
from strawberry.printer import print_schema
from strawberry.tools import create_type, merge_types
from strawberry.types.base import get_object_definition, has_object_definition

from services.kit.graphql.access import annotate_service, requires
from services.kit.graphql.context import RequestContext
from services.kit.graphql.errors import ClientSafeErrors
from services.kit.graphql.tracing import tracing_extensions
from services.kit.graphql.types import QuarantinedRecord, ReconciliationStatus, SyncStatus
from services.kit.ports import Document
from services.kit.runtime import ServiceRuntime
from services.kit.scopes import SYNC
from services.kit.spec import ServiceSpec

FEDERATION_VERSION: Final = "2.5"


def sync_status(rt: ServiceRuntime) -> SyncStatus:
    now = rt.clock()
    return SyncStatus(
        service=rt.spec.name,
        application_id=strawberry.ID(rt.spec.application_id),
        last_sync_at=rt.sync.last_sync_at,
        lag_seconds=rt.sync.lag_seconds(now),
        upstream_reachable=rt.sync.reachable,
        quarantined_count=rt.quarantine.open_count,
        error_count=rt.sync.error_count,
        last_error=rt.sync.last_error,
        schema_drift=rt.drift.fields(),
        reconciliation=_reconciliation(rt),
    )


def _reconciliation(rt: ServiceRuntime) -> ReconciliationStatus | None:
    if rt.reconciler is None:
        return None
    st = rt.reconciler.state
    return ReconciliationStatus(
        running=st.running,
        passes=st.passes,
        last_completed_at=st.last_completed_at,
        last_checked=st.last_checked,
        last_repaired=st.last_repaired,
        repaired_total=sum(st.repaired.values()),
        last_error=st.last_error,
    )


def _quarantined(doc: Document) -> QuarantinedRecord:
    return QuarantinedRecord(
        id=strawberry.ID(doc["_id"]),
        entity=doc["entity"],
        upstream_id=doc.get("upstream_id"),
        reason=doc["reason"],
        raw=doc["raw_json"],
        first_seen=datetime.fromisoformat(doc["first_seen"]),
        last_seen=datetime.fromisoformat(doc["last_seen"]),
        count=doc["count"],
    )


def _kit_query(spec: ServiceSpec) -> type:
    def status(info: strawberry.Info[RequestContext, None]) -> SyncStatus:
        return sync_status(info.context.runtime)

    async def quarantine(
        info: strawberry.Info[RequestContext, None], entity: str | None = None, first: int = 50
    ) -> list[QuarantinedRecord]:
        flt = {"entity": entity} if entity else None
        coll = info.context.runtime.quarantine.coll
        page = await coll.find(flt, sort=[("last_seen", -1)], limit=min(first, 500))
        return [_quarantined(d) for d in page.items]

    return create_type(
        f"{spec.name.title()}KitQuery",
        [
            strawberry.field(
                status,
                name=f"{spec.name}SyncStatus",
                description="Sync status of this service with its OPD application.",
                directives=[requires(SYNC)],
            ),
            strawberry.field(
                quarantine,
                name=f"{spec.name}Quarantine",
                directives=[requires(SYNC)],
                description="Upstream records held back because they failed mapping or validation, "
                "newest first.",
            ),
        ],
    )


def application_sync_field(service: str) -> Any:
    """The ``<service>Sync`` field of ``Application``: ``build_schema`` adds it to every
    service's extension of the type; the registry, which defines the type, declares it itself."""

    def sync(root: Any, info: strawberry.Info[RequestContext, None]) -> SyncStatus | None:
        rt = info.context.runtime
        if str(root.id) != rt.spec.application_id:
            return None  # another OPD application: not ours to describe
        return sync_status(rt)

    return strawberry.field(
        resolver=sync,
        name=f"{service}Sync",
        directives=[requires(SYNC)],
        description=f"How the {service} service is in sync with this application "
        "(null for other applications).",
    )


def _application(spec: ServiceSpec) -> type:
    @strawberry.federation.type(keys=["id"], description="An application in Kominfo's registry.")
    class Application:
        id: strawberry.ID
        sync_field: SyncStatus | None = application_sync_field(spec.name)

        @classmethod
        def resolve_reference(cls, id: strawberry.ID) -> Application:
            return cls(id=id)

    return Application


def _defines_application(spec: ServiceSpec) -> bool:
    return any(
        has_object_definition(t) and get_object_definition(t, strict=True).name == "Application"
        for t in spec.types
    )


def build_schema(spec: ServiceSpec) -> Schema:
    """The service's federation v2 subgraph schema."""
    annotate_service(spec, spec.query, spec.types)  # @requiresScopes (docs/access.md)
    query = merge_types("Query", (spec.query, _kit_query(spec)))
    kit_types = [] if _defines_application(spec) else [_application(spec)]
    return Schema(
        query=query,
        types=[*kit_types, *spec.types],
        federation_version=FEDERATION_VERSION,
        # The gateway sends the same few operations over and over: parse and validate once.
        # (factories: a fresh extension per request; the LRU caches themselves are shared)
        extensions=[
            partial(ParserCache, maxsize=512),
            partial(ValidationCache, maxsize=512),
            ClientSafeErrors,
            *tracing_extensions(),
        ],
    )


def subgraph_sdl(schema: Schema) -> str:
    """The SDL the gateway composes (what ``_service { sdl }`` answers)."""
    return print_schema(schema) + "\n"
