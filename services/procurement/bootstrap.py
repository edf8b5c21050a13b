"""Wiring of the procurement service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.kit.app import create_service_app
from services.kit.graphql.refs import Position
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, ServiceSpec
from services.procurement import domain, schema
from services.procurement.mapping import CONTRACT, PACKAGE
from services.procurement.upstream.workflow import WORKFLOW

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="procurement",
    application_id="spse",
    opd="UKPBJ",
    title="Pengadaan — RUP dan tender (SPSE), UKPBJ",
    entities=(
        EntityBinding(
            PACKAGE,
            react=domain.react_package,
            indexes=(("activity_code",), ("opd",), ("stage",), ("method",)),
        ),
        EntityBinding(
            CONTRACT, react=domain.react_contract, indexes=(("package_id",), ("signed_on",))
        ),
    ),
    event_families=("package", "contract"),
    query=schema.Query,
    types=(schema.Activity, schema.ProcurementPackage, schema.Contract, Position),
    workflow=WORKFLOW,
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.procurement.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
