"""``__schema`` / ``__type`` answered locally: graphql-core executes just those root fields
against the API schema (subgraphs are never asked)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    execute_sync,
    visit,
)
from graphql.language import Visitor

_META = frozenset({"__schema", "__type"})


@dataclass(frozen=True, slots=True)
class IntrospectionQuery:
    document: DocumentNode
    uses_variables: bool

    def run(
        self, schema: GraphQLSchema, raw_variables: dict[str, Any] | None
    ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        result = execute_sync(schema, self.document, variable_values=raw_variables or {})
        errors = [e.formatted for e in result.errors or ()]
        return (result.data or {}), errors  # type: ignore[return-value]


def extract_introspection(
    operation: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> IntrospectionQuery | None:
    """A document holding only the operation's root introspection fields, or None."""
    if operation.operation is not OperationType.QUERY:
        return None
    selection = _filter(operation.selection_set, fragments)
    if selection is None:
        return None
    op = OperationDefinitionNode(
        operation=OperationType.QUERY,
        variable_definitions=operation.variable_definitions,
        directives=(),
        selection_set=selection,
    )
    document = DocumentNode(definitions=(op, *fragments.values()))
    return IntrospectionQuery(document, _uses_variables(op, fragments))


def _filter(
    node: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> SelectionSetNode | None:
    kept: list[Any] = []
    for sel in node.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value in _META:
                kept.append(sel)
        elif isinstance(sel, InlineFragmentNode):
            inner = _filter(sel.selection_set, fragments)
            if inner is not None:
                kept.append(
                    InlineFragmentNode(
                        type_condition=sel.type_condition,
                        directives=sel.directives,
                        selection_set=inner,
                    )
                )
        elif isinstance(sel, FragmentSpreadNode):
            fragment = fragments[sel.name.value]
            inner = _filter(fragment.selection_set, fragments)
            if inner is not None:
                kept.append(
                    InlineFragmentNode(
                        type_condition=NamedTypeNode(name=fragment.type_condition.name),
                        directives=sel.directives,
                        selection_set=inner,
                    )
                )
    return SelectionSetNode(selections=tuple(kept)) if kept else None


class _VariableFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found = False

    def enter_variable(self, *_: Any) -> None:
        self.found = True


def _uses_variables(
    op: OperationDefinitionNode, fragments: dict[str, FragmentDefinitionNode]
) -> bool:
    finder = _VariableFinder()
    visit(op.selection_set, finder)
    for fragment in fragments.values():
        visit(fragment, finder)
    return finder.found
