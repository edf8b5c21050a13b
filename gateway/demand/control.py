"""The demand-control policy of a gateway: estimate before executing, refuse above the
maximum (``enforce``) or only measure (``measure``), report in ``extensions.cost``."""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from graphql import DocumentNode

from gateway.demand.actual import actual_cost
from gateway.demand.estimate import PlanCost
from gateway.demand.schema import CostSchema
from gateway.plan import QueryPlan
from gateway.ports import SupergraphModel

Mode = Literal["measure", "enforce"]
TOO_EXPENSIVE = "COST_ESTIMATED_TOO_EXPENSIVE"


@dataclass(slots=True)
class CostReport:
    estimated: float
    max: float
    mode: Mode
    actual: float | None = None

    @property
    def result(self) -> str:
        return TOO_EXPENSIVE if self.estimated > self.max else "COST_OK"

    @property
    def refused(self) -> bool:
        return self.mode == "enforce" and self.estimated > self.max

    def error(self) -> dict[str, Any]:
        """The request error of a refused operation (Apollo Router's wording and code)."""
        return {
            "message": f"query estimated cost {_num(self.estimated)} exceeded configured "
            f"maximum {_num(self.max)}",
            "extensions": {
                "code": TOO_EXPENSIVE,
                "cost.estimated": self.estimated,
                "cost.max": self.max,
            },
        }

    def extension(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "estimated": self.estimated,
            "max": self.max,
            "result": self.result,
            "strategy": "static_estimated",
            "mode": self.mode,
        }
        if self.actual is not None:
            out["actual"] = self.actual
        return out


def _num(value: float) -> str:
    return str(int(value)) if value == int(value) else str(value)


class DemandControl:
    """Per gateway; cost schemas are built once per loaded supergraph."""

    def __init__(self, mode: Mode, max_cost: float, list_size: int, extensions: bool) -> None:
        self.mode = mode
        self.max_cost = max_cost
        self.list_size = list_size
        self.extensions = extensions
        self._costs: weakref.WeakKeyDictionary[SupergraphModel, PlanCost] = (
            weakref.WeakKeyDictionary()
        )

    def costs(self, supergraph: SupergraphModel) -> PlanCost:
        hit = self._costs.get(supergraph)
        if hit is None:
            hit = PlanCost(CostSchema(supergraph.supergraph_schema), self.list_size)
            self._costs[supergraph] = hit
        return hit

    def estimate(
        self, supergraph: SupergraphModel, plan: QueryPlan, variables: Mapping[str, Any]
    ) -> CostReport:
        estimated = self.costs(supergraph).plan(plan.node, variables)
        return CostReport(estimated, self.max_cost, self.mode)

    def measure(
        self,
        report: CostReport,
        supergraph: SupergraphModel,
        document: DocumentNode,
        operation_name: str | None,
        data: Any,
        variables: Mapping[str, Any],
    ) -> None:
        report.actual = actual_cost(
            self.costs(supergraph), document, operation_name, data, variables
        )
