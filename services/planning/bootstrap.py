"""Wiring of the planning service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.kit.app import create_service_app
from services.kit.graphql.refs import Position
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, ServiceSpec
from services.planning import domain, schema
from services.planning.mapping import ACTIVITY, PROGRAM
from services.planning.upstream.workflow import WORKFLOW

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="planning",
    application_id="eplanning",
    opd="BAPPEDA",
    title="Perencanaan — e-Planning RKPD, Bappeda",
    entities=(
        EntityBinding(PROGRAM, indexes=(("opd",),)),
        EntityBinding(
            ACTIVITY,
            react=domain.react,
            indexes=(("opd",), ("stage",), ("program_code",), ("responsible_position_id",)),
        ),
    ),
    event_families=("activity",),
    query=schema.Query,
    types=(schema.Activity, schema.Program, Position),
    workflow=WORKFLOW,
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.planning.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
