"""Actual cost of a response (Apollo Router's ``actual`` cost): the client operation walked
over the data it got. Leaves cost their ``@cost`` (else 0); each object its ``@cost`` (else
1) plus its selections; lists the sum of their items (no assumed size: the real length);
arguments once per field; ``__typename`` nothing; fields not in the data nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from gateway.demand.estimate import PlanCost, _Scorer
from gateway.demand.schema import FieldCost


def actual_cost(
    costs: PlanCost,
    document: DocumentNode,
    operation_name: str | None,
    data: Any,
    variables: Mapping[str, Any],
) -> float:
    op = _operation(document, operation_name)
    if op is None or not isinstance(data, dict):
        return 0.0
    # fields only: the operation's base cost (10 for a mutation) belongs to the estimate
    walker = _Walker(costs, document, variables)
    return walker.selections(op.selection_set, costs.root(op.operation), data)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    for op in ops:
        if name is None or (op.name is not None and op.name.value == name):
            return op
    return None


class _Walker:
    def __init__(
        self, costs: PlanCost, document: DocumentNode, variables: Mapping[str, Any]
    ) -> None:
        self.costs = costs
        self.schema = costs.schema
        self.args = _Scorer(costs, document, variables)
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def selections(self, sels: SelectionSetNode | None, parent: str, obj: dict[str, Any]) -> float:
        if sels is None:
            return 0.0
        total = 0.0
        typename = obj.get("__typename")
        for sel in sels.selections:
            if isinstance(sel, FieldNode):
                key = sel.alias.value if sel.alias else sel.name.value
                if sel.name.value == "__typename" or key not in obj:
                    continue
                definition = self.schema.field(parent, sel.name.value)
                if definition is not None:
                    total += self.field(sel, definition, obj[key], True)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                if self._applies(cond, typename, parent):
                    total += self.selections(sel.selection_set, cond or parent, obj)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    cond = frag.type_condition.name.value
                    if self._applies(cond, typename, parent):
                        total += self.selections(frag.selection_set, cond, obj)
        return total

    def _applies(self, condition: str | None, typename: Any, parent: str) -> bool:
        if condition is None or condition == parent or not isinstance(typename, str):
            return True
        if condition == typename:
            return True
        gtype = self.schema.schema.get_type(condition)
        if gtype is None:
            return False
        try:
            return any(t.name == typename for t in self.schema.schema.get_possible_types(gtype))  # type: ignore[arg-type]
        except (TypeError, AttributeError):
            return False

    def field(self, node: FieldNode, definition: FieldCost, value: Any, with_args: bool) -> float:
        cost = 0.0
        if type(value) is list:
            for item in value:
                cost += self.field(node, definition, item, False)
        elif type(value) is dict:
            cost += 1.0 if definition.explicit is None else definition.explicit
            cost += self.selections(node.selection_set, definition.type_name, value)
        else:
            cost += definition.explicit or 0.0
        if with_args:
            for arg in node.arguments or ():
                adef = definition.arguments.get(arg.name.value)
                if adef is not None:
                    cost += self.args.argument(arg.value, adef)
        return cost
