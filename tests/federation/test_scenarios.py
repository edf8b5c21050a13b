"""Every case of every scenario, POSTed to ``rumah gateway serve`` in front of real subgraphs.

Test ids read ``<scenario>/<case>``. Cases are generated scenario by scenario and one
scenario's subgraph server and gateway stay up for all its cases; the ``scenarios`` fixture
stops them when the next scenario starts, and starts the following scenario early so its
start-up overlaps the current cases (a start-up failure is remembered, not retried).

``FEDERATION_GATEWAY=apollo`` runs the same cases against the Apollo Gateway oracle instead
(dev only, needs ``tools/federation-oracle``): a self-check of the harness and expectations,
where only the documented spec deviations (``source: spec``) may fail.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.federation.harness.compare import compare, compare_calls
from tests.federation.harness.model import Case, Scenario, load_scenario, scenario_names
from tests.federation.harness.processes import Launch
from tests.federation.harness.run import run_case

pytestmark = pytest.mark.federation


@dataclass
class Live:
    scenario: Scenario
    gateway: str
    expected: dict[str, Any]

    def case(self, case_id: str) -> Case:
        return next(c for c in self.scenario.cases if c.id == case_id)


class Scenarios:
    """Keeps one scenario running and the next one starting; switching stops the previous one."""

    def __init__(self, order: list[str]) -> None:
        self._order = order
        self._gateway = "apollo" if os.environ.get("FEDERATION_GATEWAY") == "apollo" else "rumah"
        self._launches: dict[str, Launch] = {}
        self._name: str | None = None
        self._live: Live | None = None
        self._failure: Exception | None = None

    def _launch(self, name: str) -> Launch:
        if name not in self._launches:
            self._launches[name] = Launch(load_scenario(name), self._gateway)
        return self._launches[name]

    def get(self, name: str) -> Live:
        if name != self._name:
            for other in [n for n in self._launches if n != name]:
                self._launches.pop(other).stop()
            self._name, self._live, self._failure = name, None, None
            launch = self._launch(name)
            position = self._order.index(name) if name in self._order else -1
            if 0 <= position < len(self._order) - 1:
                self._launch(self._order[position + 1])  # overlap the next start-up
            try:
                self._live = Live(launch.scenario, launch.ready(), launch.scenario.expected())
            except Exception as exc:
                self._failure = exc
        if self._failure is not None:
            raise self._failure
        assert self._live is not None
        return self._live

    def close(self) -> None:
        for launch in self._launches.values():
            launch.stop()
        self._launches.clear()


@pytest.fixture(scope="session")
def scenarios(request: pytest.FixtureRequest) -> Iterator[Scenarios]:
    order: list[str] = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        name = callspec.params.get("scenario_name") if callspec else None
        if name is not None and name not in order:
            order.append(name)
    manager = Scenarios(order)
    try:
        yield manager
    finally:
        manager.close()


def _params() -> Iterator[Any]:
    for name in scenario_names():
        for case in load_scenario(name).cases:
            yield pytest.param(name, case.id, id=f"{name}/{case.id}")


@pytest.mark.parametrize(("scenario_name", "case_id"), list(_params()))
def test_case(scenarios: Scenarios, scenario_name: str, case_id: str) -> None:
    if os.environ.get("FEDERATION_GATEWAY") == "apollo":
        reason = load_scenario(scenario_name).no_oracle
        if reason:
            pytest.skip(f"Apollo Gateway cannot serve this scenario: {reason}")
    live = scenarios.get(scenario_name)
    case = live.case(case_id)
    expected = live.expected.get(case_id)
    assert expected is not None, (
        f"no expected answer for {case_id}: run python -m tests.federation.tools.record "
        f"{live.scenario.name}"
    )
    outcome = run_case(live.scenario, live.gateway, case)
    problems = compare(case, expected["response"], outcome.response)
    problems += compare_calls(case, outcome.calls)
    assert not problems, "\n".join(
        [
            f"{live.scenario.name}/{case_id}: {len(problems)} problem(s)",
            *problems,
            "query: " + case.query.strip(),
            "variables: " + json.dumps(case.variables),
            "HTTP status: " + str(outcome.status),
            "actual response: " + json.dumps(outcome.response)[:2000],
            "subgraph calls: " + json.dumps(outcome.calls),
        ]
    )
