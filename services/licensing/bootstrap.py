"""Wiring of the licensing service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.kit.app import create_service_app
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, Job, ServiceSpec
from services.licensing import domain, schema
from services.licensing.mapping import PERMIT
from services.licensing.upstream.workflow import WORKFLOW

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="licensing",
    application_id="sicantik",
    opd="DPMPTSP",
    title="Perizinan — SiCantik, Dinas PMPTSP",
    entities=(
        EntityBinding(
            PERMIT,
            react=domain.react,
            indexes=(("status", "sla_deadline"), ("submitted_on",), ("kecamatan",)),
        ),
    ),
    event_families=("permit",),
    query=schema.Query,
    types=(schema.PermitApplication, schema.Position),
    workflow=WORKFLOW,
    jobs=(Job("sla_sweep", 30.0, domain.sweep_sla),),
    personal_fields=frozenset({"PermitApplication.applicant"}),
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.licensing.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
