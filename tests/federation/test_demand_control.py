"""Demand control through the real gateway: ``extensions.cost`` carries the estimated and
actual cost (enforce mode, as the ``demand_control`` scenario configures it); ``measure``
mode answers over-budget operations and only reports them; without configuration there is
no cost report."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from tests.federation.harness.model import Scenario, load_scenario
from tests.federation.harness.processes import http_json, running

pytestmark = pytest.mark.federation


def _post(url: str, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"query": query}
    if variables is not None:
        body["variables"] = variables
    _, answer = http_json(f"{url}/graphql", body)
    assert isinstance(answer, dict), answer
    return answer


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario("demand_control")


@pytest.fixture(scope="class")
def enforcing(scenario: Scenario) -> Iterator[str]:
    """One gateway for the class (closed before other modes start: same subgraph ports)."""
    with running(scenario) as url:
        yield url


class TestEnforcing:
    @pytest.mark.parametrize(
        ("query", "estimated", "actual"),
        [
            ('{ product(id: "p1") { name price } }', 6, 6),
            # 3 assumed items + 20 for the argument; 3 items came back
            ('{ search(term: "e") { name } }', 23, 23),
            # the page's size argument sizes its items: 1 + 4 × (1 + 5)
            ("{ page(size: 4) { total items { id price } } }", 25, 25),
            # the slicing argument's default (5) sizes the list
            ("{ products { name } }", 5, 5),
        ],
    )
    def test_estimated_and_actual_cost_are_reported(
        self, enforcing: str, query: str, estimated: float, actual: float
    ) -> None:
        answer = _post(enforcing, query)
        assert "errors" not in answer, answer
        cost = answer["extensions"]["cost"]
        assert cost == {
            "estimated": estimated,
            "actual": actual,
            "max": 100,
            "result": "COST_OK",
            "strategy": "static_estimated",
            "mode": "enforce",
        }

    def test_refusal_carries_the_code_and_the_numbers(self, enforcing: str) -> None:
        answer = _post(enforcing, "{ products(first: 2) { name reviews { body } } }")
        assert "data" not in answer
        (error,) = answer["errors"]
        assert error["message"] == "query estimated cost 212 exceeded configured maximum 100"
        assert error["extensions"] == {
            "code": "COST_ESTIMATED_TOO_EXPENSIVE",
            "cost.estimated": 212,
            "cost.max": 100,
        }


def test_measure_mode_answers_and_reports_the_overrun(scenario: Scenario) -> None:
    measuring = dataclasses.replace(
        scenario, gateway_env={**scenario.gateway_env, "RUMAH_GATEWAY_DEMAND_CONTROL": "measure"}
    )
    with running(measuring) as url:
        answer = _post(url, "{ products(first: 2) { name reviews { body } } }")
    assert answer["data"]["products"][0]["reviews"] == [{"body": "bagus"}, {"body": "mahal"}]
    cost = answer["extensions"]["cost"]
    assert cost["result"] == "COST_ESTIMATED_TOO_EXPENSIVE" and cost["mode"] == "measure"
    # 2 products (1 each) + 3 reviews (2 each) actually returned
    assert (cost["estimated"], cost["actual"]) == (212, 8)


def test_without_demand_control_nothing_is_refused_or_reported(scenario: Scenario) -> None:
    plain = dataclasses.replace(scenario, gateway_env={})
    with running(plain) as url:
        answer = _post(url, "{ products(first: 2) { name reviews { body } } }")
    assert "errors" not in answer and "extensions" not in answer
