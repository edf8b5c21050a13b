"""Wiring of the registry service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.kit.app import create_service_app
from services.kit.graphql.refs import Activity, Position
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, ServiceSpec
from services.registry import domain, schema
from services.registry.mapping import APPLICATION, FUNDING, PROBE_RESULT, READINESS
from services.registry.upstream.workflow import WORKFLOW

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="registry",
    application_id="simonev",
    opd="DISKOMINFO",
    title="Registri aplikasi dan infrastruktur TIK — Dinas Kominfo",
    entities=(
        EntityBinding(
            APPLICATION,
            react=domain.react_application,
            indexes=(("stage",), ("owner_opd",)),
            opd_field="owner_opd",
        ),
        EntityBinding(READINESS, react=domain.react_readiness),
        EntityBinding(PROBE_RESULT, react=domain.react_probe, indexes=(("status",),)),
        EntityBinding(FUNDING, indexes=(("application_id",),)),
    ),
    event_families=("application",),
    query=schema.Query,
    types=(schema.Application, Position, Activity),
    workflow=WORKFLOW,
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.registry.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
