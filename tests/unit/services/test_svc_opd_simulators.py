"""The upstream simulators of planning, finance, procurement and registry: deterministic
from a seed, and never broken by garbage a test injects into their tables."""

import pytest

from services.finance.bootstrap import SPEC as FINANCE
from services.kit.simulator.core import ActionError, Simulator
from services.kit.spec import ServiceSpec
from services.planning.bootstrap import SPEC as PLANNING
from services.procurement.bootstrap import SPEC as PROCUREMENT
from services.registry.bootstrap import SPEC as REGISTRY

SPECS = pytest.mark.parametrize(
    "spec", [PLANNING, FINANCE, PROCUREMENT, REGISTRY], ids=lambda s: s.name
)


def _content(sim: Simulator) -> dict[str, list[dict[str, object]]]:
    return {
        name: [{k: v for k, v in r.items() if k != "diubah_pada"} for r in t.records.values()]
        for name, t in sim.tables.items()
    }


@SPECS
def test_same_seed_same_regency_and_the_same_changes(spec: ServiceSpec) -> None:
    a, b = Simulator(spec.workflow, seed=5), Simulator(spec.workflow, seed=5)
    assert _content(a) == _content(b) != _content(Simulator(spec.workflow, seed=6))
    for _ in range(50):
        a.act_randomly()
        b.act_randomly()
    assert _content(a) == _content(b)


@SPECS
def test_injected_garbage_never_breaks_an_action(spec: ServiceSpec) -> None:
    sim = Simulator(spec.workflow, seed=7)
    for table in sim.tables.values():
        plausible = {"kd_tahapan": 1, "tahap": 10, "status": 1, "kd_status": 1, "kd_tahap": 1}
        sim.save(table.name, {table.id_field: "sampah-1", **plausible})
        sim.save(table.name, {table.id_field: "sampah-2"})
    for _ in range(400):
        sim.act_randomly()
    for action in spec.workflow.actions:
        for _ in range(10):
            try:
                sim.act(action)
            except ActionError:
                pass  # nothing can make this move right now: refused, not crashed
