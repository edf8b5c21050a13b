"""Wiring of the licensing service: the only place that puts its pieces together."""

from __future__ import annotations

from services.kit.spec import EntityBinding, Job, ServiceSpec
from services.licensing import domain, schema
from services.licensing.mapping import PERMIT
from services.licensing.upstream.workflow import WORKFLOW

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
)
