"""Wiring of the personnel service: the only place that puts its pieces together."""

from __future__ import annotations

from services.kit.spec import EntityBinding, ServiceSpec
from services.personnel import domain, schema
from services.personnel.mapping import ASSIGNMENT, EMPLOYEE, POSITION
from services.personnel.upstream.workflow import WORKFLOW

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
)
