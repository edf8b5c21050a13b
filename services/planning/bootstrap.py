"""Wiring of the planning service: the only place that puts its pieces together."""

from __future__ import annotations

from services.kit.graphql.refs import Position
from services.kit.spec import EntityBinding, ServiceSpec
from services.planning import domain, schema
from services.planning.mapping import ACTIVITY, PROGRAM
from services.planning.upstream.workflow import WORKFLOW

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
