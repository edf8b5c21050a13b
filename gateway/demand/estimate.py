"""Estimated cost of a query plan (Apollo Router's ``static_estimated`` ``planned`` cost).

The sum over the subgraph operations the plan would send (``Condition``: the dearer branch):

* an operation costs 10 if it is a mutation, else 0, plus its fields;
* a field costs ``count × (weight + its selections) + its arguments`` where ``weight`` is
  the field's (or its type's) ``@cost`` or 1 for composite types / 0 for leaves, and
  ``count`` is 1 for non-lists, else the size ``@listSize`` gives (the largest slicing
  argument present — literal, variable or default — else ``assumedSize``; a parent's
  ``sizedFields`` size its child), else the configured list size;
* ``_entities`` is a list of the configured size (how many representations is unknown
  before the parent fetch ran); ``__typename`` is free;
* an argument costs its ``@cost``; input objects 1 (or their ``@cost``) plus their fields,
  lists the sum of their items; variables are costed by their value.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from graphql import (
    BooleanValueNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    NullValueNode,
    ObjectValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    parse,
)

from gateway.demand.schema import CostSchema, FieldCost, InputCost, ListSize
from gateway.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
    SubscriptionNode,
)

_ENTITIES = FieldCost(1.0, True, "_Entity", None, {})
_PARSED_LIMIT = 4096


class PlanCost:
    """Estimates plans against one ``CostSchema`` with a configured default list size."""

    def __init__(self, schema: CostSchema, list_size: int) -> None:
        self.schema = schema
        self.list_size = list_size
        self._parsed: dict[str, DocumentNode] = {}
        gql = schema.schema
        self._roots = {
            OperationType.QUERY: gql.query_type.name if gql.query_type else "Query",
            OperationType.MUTATION: gql.mutation_type.name if gql.mutation_type else "Mutation",
            OperationType.SUBSCRIPTION: gql.subscription_type.name
            if gql.subscription_type
            else "Subscription",
        }

    def root(self, operation: OperationType) -> str:
        return self._roots[operation]

    def plan(self, node: PlanNode | None, variables: Mapping[str, Any]) -> float:
        if node is None:
            return 0.0
        if isinstance(node, FetchNode):
            return self.operation(node.operation, variables)
        if isinstance(node, FlattenNode):
            return self.operation(node.node.operation, variables)
        if isinstance(node, SequenceNode | ParallelNode):
            return sum(self.plan(n, variables) for n in node.nodes)
        if isinstance(node, ConditionNode):
            return max(self.plan(node.if_clause, variables), self.plan(node.else_clause, variables))
        if isinstance(node, DeferNode):  # deferred parts cost as much as if sent at once
            return self.plan(node.primary, variables) + sum(
                self.plan(d.node, variables) for d in node.deferred
            )
        assert isinstance(node, SubscriptionNode)
        return self.operation(node.primary.operation, variables)

    def operation(self, text: str, variables: Mapping[str, Any]) -> float:
        doc = self._parsed.get(text)
        if doc is None:
            doc = parse(text, no_location=True)
            if len(self._parsed) >= _PARSED_LIMIT:
                self._parsed.clear()
            self._parsed[text] = doc
        return _Scorer(self, doc, variables).document()


class _Scorer:
    def __init__(self, owner: PlanCost, doc: DocumentNode, variables: Mapping[str, Any]) -> None:
        self.owner = owner
        self.schema = owner.schema
        self.doc = doc
        self.variables = variables
        self.fragments = {
            d.name.value: d for d in doc.definitions if isinstance(d, FragmentDefinitionNode)
        }

    def document(self) -> float:
        total = 0.0
        for d in self.doc.definitions:
            if isinstance(d, OperationDefinitionNode):
                total += 10.0 if d.operation == OperationType.MUTATION else 0.0
                total += self.selections(d.selection_set, self.owner.root(d.operation), None)
        return total

    def selections(
        self, sels: SelectionSetNode | None, parent: str, sizing: tuple[ListSize, int] | None
    ) -> float:
        if sels is None:
            return 0.0
        total = 0.0
        for sel in sels.selections:
            if isinstance(sel, FieldNode):
                upstream = None
                if sizing is not None and sel.name.value in sizing[0].sized_fields:
                    upstream = sizing[1]
                total += self.field(sel, parent, upstream)
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else parent
                total += self.selections(sel.selection_set, cond, sizing)
            elif isinstance(sel, FragmentSpreadNode):
                frag = self.fragments.get(sel.name.value)
                if frag is not None:
                    total += self.selections(
                        frag.selection_set, frag.type_condition.name.value, sizing
                    )
        return total

    def field(self, node: FieldNode, parent: str, upstream: int | None) -> float:
        name = node.name.value
        if name == "__typename" or _skipped(node):
            return 0.0
        definition = self.schema.field(parent, name)
        if definition is None:
            if name != "_entities":
                return 0.0  # not in the supergraph (best effort, as Apollo Router)
            definition = _ENTITIES
        expected = self.expected_size(node, definition)
        if not definition.is_list:
            count = 1
        elif upstream is not None:
            count = upstream
        elif expected is not None:
            count = expected
        else:
            count = self.owner.list_size
        sizing = (
            (definition.list_size, expected)
            if definition.list_size is not None and expected is not None
            else None
        )
        type_cost = definition.weight + self.selections(
            node.selection_set, definition.type_name, sizing
        )
        arguments = 0.0
        for arg in node.arguments or ():
            adef = definition.arguments.get(arg.name.value)
            if adef is not None:
                arguments += self.argument(arg.value, adef)
        return count * type_cost + arguments

    def expected_size(self, node: FieldNode, definition: FieldCost) -> int | None:
        size = definition.list_size
        if size is None:
            return None
        found: list[int] = []
        given = {a.name.value: a.value for a in node.arguments or ()}
        for slicing in size.slicing_arguments:
            value: Any = None
            if slicing in given:
                value = self.literal(given[slicing])
            elif definition.defaults:
                value = definition.defaults.get(slicing)
            if isinstance(value, int) and not isinstance(value, bool):
                found.append(value)
        if found:
            return max(found)
        return size.assumed_size

    def literal(self, value: ValueNode) -> Any:
        if isinstance(value, VariableNode):
            return self.variables.get(value.name.value)
        if isinstance(value, IntValueNode):
            return int(value.value)
        return None

    def argument(self, value: ValueNode, definition: InputCost) -> float:
        weight = definition.weight
        if isinstance(value, ObjectValueNode) and definition.is_input_object:
            cost = 1.0 if weight is None else weight
            fields = self.schema.inputs.get(definition.type_name, {})
            for item in value.fields:
                inner = fields.get(item.name.value)
                if inner is not None:
                    cost += self.argument(item.value, inner)
            return cost
        if isinstance(value, ListValueNode):
            return (weight or 0.0) + sum(self.argument(v, definition) for v in value.values)
        if isinstance(value, VariableNode):
            if value.name.value not in self.variables:
                return 0.0  # e.g. $representations
            return self.variable(self.variables[value.name.value], definition)
        if isinstance(value, NullValueNode):
            return 0.0
        return weight or 0.0

    def variable(self, value: Any, definition: InputCost) -> float:
        weight = definition.weight
        if isinstance(value, dict) and definition.is_input_object:
            cost = 1.0 if weight is None else weight
            fields = self.schema.inputs.get(definition.type_name, {})
            for key, item in value.items():
                inner = fields.get(key)
                if inner is not None:
                    cost += self.variable(item, inner)
            return cost
        if isinstance(value, list):
            return (weight or 0.0) + sum(self.variable(v, definition) for v in value)
        if value is None:
            return 0.0
        return weight or 0.0


def _skipped(node: FieldNode) -> bool:
    """``@skip(if: true)`` / ``@include(if: false)`` with literal arguments (as Apollo)."""
    for d in node.directives or ():
        for arg in d.arguments or ():
            if arg.name.value == "if" and isinstance(arg.value, BooleanValueNode):
                if d.name.value == "skip" and arg.value.value:
                    return True
                if d.name.value == "include" and not arg.value.value:
                    return True
    return False
