"""Every case of every scenario, POSTed to ``rumah gateway serve`` in front of real subgraphs.

Test ids read ``<scenario>/<case>``. Cases are generated scenario by scenario and one
scenario's subgraph server and gateway stay up for all its cases; the ``scenarios`` fixture
stops them when the next scenario starts (a start-up failure is remembered, not retried).

``FEDERATION_GATEWAY=apollo`` runs the same cases against the Apollo Gateway oracle instead
(dev only, needs ``tools/federation-oracle``): a self-check of the harness and expectations,
where only the documented spec deviations (``source: spec``) may fail.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.federation.harness.compare import compare, compare_calls
from tests.federation.harness.model import Case, Scenario, load_scenario, scenario_names
from tests.federation.harness.processes import apollo_gateway, rumah_gateway, subgraph_server
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
    """Keeps at most one scenario running; switching stops the previous one."""

    def __init__(self) -> None:
        self._stack = contextlib.ExitStack()
        self._name: str | None = None
        self._live: Live | None = None
        self._failure: Exception | None = None

    def get(self, name: str) -> Live:
        if name != self._name:
            self.close()
            self._name = name
            try:
                self._live = self._start(name)
            except Exception as exc:
                self._failure = exc
        if self._failure is not None:
            raise self._failure
        assert self._live is not None
        return self._live

    def _start(self, name: str) -> Live:
        scenario = load_scenario(name)
        self._stack.enter_context(subgraph_server(scenario))
        use_apollo = os.environ.get("FEDERATION_GATEWAY") == "apollo"
        start = apollo_gateway if use_apollo else rumah_gateway
        gateway = self._stack.enter_context(start(scenario.supergraph_path))
        return Live(scenario, gateway, scenario.expected())

    def close(self) -> None:
        self._stack.close()
        self._name, self._live, self._failure = None, None, None


@pytest.fixture(scope="session")
def scenarios() -> Iterator[Scenarios]:
    manager = Scenarios()
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
