"""Run one case against a gateway: reset the subgraphs, apply failure modes, POST, count calls."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.federation.harness.model import Case, Scenario
from tests.federation.harness.processes import http_json


@dataclass
class Outcome:
    status: int
    response: Any
    calls: dict[str, int]
    subgraph_requests: dict[str, list[Any]]


def _base(url: str) -> str:
    return url.rsplit("/graphql", 1)[0]


def run_case(scenario: Scenario, gateway: str, case: Case) -> Outcome:
    started = [s for s in scenario.subgraphs if s.start]
    for subgraph in started:
        http_json(f"{_base(subgraph.url)}/__reset", {})
    for name, mode in (case.modes or {}).items():
        subgraph = next(s for s in started if s.name == name)
        status, answer = http_json(f"{_base(subgraph.url)}/__mode", {"mode": mode})
        assert status == 200, answer
    headers = dict(case.headers or {})
    status, response = http_json(f"{gateway}/graphql", case.body(), headers=headers)
    requests: dict[str, list[Any]] = {}
    for subgraph in started:
        _, answer = http_json(f"{_base(subgraph.url)}/__calls")
        requests[subgraph.name] = answer["calls"]
    for subgraph in scenario.subgraphs:
        requests.setdefault(subgraph.name, [])
    calls = {name: len(bodies) for name, bodies in requests.items()}
    return Outcome(status, response, calls, requests)
