"""Wiring of the finance service: the only place that puts its pieces together."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.finance import domain, schema
from services.finance.mapping import BUDGET_LINE, DISBURSEMENT
from services.finance.upstream.workflow import WORKFLOW
from services.kit.app import create_service_app
from services.kit.settings import ServiceSettings
from services.kit.spec import EntityBinding, ServiceSpec

if TYPE_CHECKING:
    from starlette.applications import Starlette

SPEC = ServiceSpec(
    name="finance",
    application_id="ebudgeting",
    opd="BPKD",
    title="Keuangan — e-Budgeting dan Perbendaharaan, BPKD",
    entities=(
        EntityBinding(
            BUDGET_LINE,
            react=domain.react_budget,
            indexes=(("activity_code", "fiscal_year"), ("opd",), ("fiscal_year",)),
        ),
        EntityBinding(
            DISBURSEMENT,
            react=domain.react_disbursement,
            indexes=(("activity_code",), ("status",), ("source_updated_at",)),
        ),
    ),
    event_families=("budget", "disbursement"),
    query=schema.Query,
    types=(schema.Activity, schema.BudgetLine, schema.Disbursement),
    workflow=WORKFLOW,
)


def create_app(settings: ServiceSettings | None = None) -> Starlette:
    """The service's ASGI app (``uvicorn services.finance.bootstrap:create_app --factory``)."""
    return create_service_app(SPEC, settings)
