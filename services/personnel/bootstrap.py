"""Wiring of the personnel service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.kit.app import create_service_app
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, ServiceSpec
from services.personnel import domain, schema
from services.personnel.mapping import ASSIGNMENT, EMPLOYEE, POSITION
from services.personnel.upstream.workflow import WORKFLOW

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="personnel",
    application_id="simpeg",
    opd="BKD",
    title="Kepegawaian — SIMPEG, Badan Kepegawaian Daerah",
    entities=(
        EntityBinding(POSITION, indexes=(("opd",),)),
        EntityBinding(EMPLOYEE, react=domain.react, indexes=(("position_id", "status"), ("opd",))),
        EntityBinding(ASSIGNMENT, indexes=(("position_id", "start"), ("nip", "start"))),
    ),
    event_families=("employee",),
    query=schema.Query,
    types=(schema.Employee, schema.Position, schema.PositionAssignment),
    workflow=WORKFLOW,
    # Query.employee: a lookup by NIP confirms that the NIP exists (as the ledger's
    # entityId filter would), so it needs personal:read like the NIP itself
    personal_fields=frozenset(
        {"Employee.nip", "Employee.name", "Employee.birth_date", "Employee.sex", "Query.employee"}
    ),
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.personnel.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
