"""Parse → validate → limit → compile → plan one operation; the result is cached as a whole.

Everything that can go wrong is returned as a value (``request_errors`` for an invalid
request: no ``data`` in the response; ``planning_errors`` for a valid but unplannable one:
``data: null``), so failures are cached too and a cache hit never re-parses or re-validates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DirectiveNode,
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    specified_rules,
    validate,
    value_from_ast_untyped,
    visit,
)
from graphql.validation import NoSchemaIntrospectionCustomRule

from gateway.auth.authorize import Filtered, refused
from gateway.executor import OperationShape, SchemaIndex, compile_operation
from gateway.plan import QueryPlan
from gateway.ports import PlanningError, QueryPlanner
from gateway.request.limits import Limits, limit_violations
from gateway.request.messages import js_style
from gateway.request.record_keys import with_entity_keys
from rumah.common import tracing

log = logging.getLogger("gateway.prepare")

_META_FIELDS = frozenset({"__typename", "__schema", "__type"})
Authorize = Callable[[OperationDefinitionNode, dict[str, FragmentDefinitionNode]], Filtered | None]
_MAX_VALIDATION_ERRORS = 50


@dataclass(frozen=True, slots=True)
class PrepareConfig:
    max_tokens: int = 0  # 0 = unlimited
    limits: Limits = Limits()
    introspection: bool = True
    planning_timeout: float = 0.0  # seconds a request waits for its plan; 0 = forever
    # access records on: plan queries with the keys of every entity they read, under gateway
    # aliases (``gateway.request.record_keys``), so the record names whom a response was about
    record_entity_keys: bool = False


@dataclass(frozen=True, slots=True, eq=False)
class PreparedOperation:
    """One client operation, ready to run (or the reason it cannot)."""

    request_errors: tuple[dict[str, Any], ...] = ()
    planning_errors: tuple[dict[str, Any], ...] = ()
    kind: str | None = None  # query | mutation | subscription
    document: DocumentNode | None = None
    operation_name: str | None = None
    shape: OperationShape | None = None
    plan: QueryPlan | None = None
    variable_definitions: tuple[VariableDefinitionNode, ...] = ()
    variable_defaults: Mapping[str, Any] = field(default_factory=dict)
    # variables an ``@skip``/``@include`` takes as its non-null ``if``: a nullable variable
    # with a default may be used there, so an explicit null must be refused at run time
    condition_variables: frozenset[str] = frozenset()
    # the introspection answer when it does not depend on variables: computed once
    introspection: tuple[dict[str, Any], list[dict[str, Any]]] | None = None
    # paths the principal's grants removed before planning (UNAUTHORIZED_FIELD_OR_TYPE)
    unauthorized: tuple[tuple[str, ...], ...] = ()
    error_status: int = 400  # of ``request_errors`` (403: nothing asked for is permitted)
    # gateway alias → (entity type, key field) the plan fetches for the access record
    key_aliases: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    # the size in bytes of its last encoded answer (a mutable cell in a frozen record): large
    # answers are large request trees, the executions an execution slot pays off for
    answer_bytes: list[int] = field(default_factory=lambda: [0])


def _condition_variables(
    operation: OperationDefinitionNode, fragments: Mapping[str, FragmentDefinitionNode]
) -> frozenset[str]:
    """Variables given to the ``if`` of ``@skip``/``@include`` in ``operation``."""
    found: set[str] = set()

    class _Collect(Visitor):
        def enter_directive(self, node: DirectiveNode, *_: object) -> None:
            if node.name.value in ("skip", "include"):
                for arg in node.arguments or ():
                    if arg.name.value == "if" and isinstance(arg.value, VariableNode):
                        found.add(arg.value.name.value)

    for node in (operation, *fragments.values()):
        visit(node, _Collect())
    return frozenset(found)


def prepare_operation(
    schema: GraphQLSchema,
    index: SchemaIndex,
    planner: QueryPlanner,
    query: str,
    operation_name: str | None,
    labels: frozenset[str],
    config: PrepareConfig,
    authorize: Authorize | None = None,
    keys: Mapping[str, tuple[str, ...]] | None = None,
) -> PreparedOperation:
    """Prepare ``query`` against the API ``schema``; never raises for bad operations.

    ``authorize`` (the principal's grants against the supergraph's authorization
    directives) may rewrite the operation before it is planned; the response is still
    shaped from the operation as written, so what was removed comes back null.
    """
    try:
        with tracing.span("gateway", "gateway.parse"):
            document = parse(
                query,
                max_tokens=config.max_tokens or None,
                allow_empty_selection_sets=False,
            )
    except GraphQLError as exc:
        return _failed(exc, "GRAPHQL_PARSE_FAILED")
    rules = list(specified_rules)
    if not config.introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    with tracing.span("gateway", "gateway.validate"):
        errors = validate(
            schema,
            document,
            rules,
            max_errors=_MAX_VALIDATION_ERRORS,
            allow_empty_selection_sets=False,
        )
    if errors:
        return PreparedOperation(
            request_errors=tuple(_formatted(e, "GRAPHQL_VALIDATION_FAILED") for e in errors)
        )
    operation, problem = _select_operation(document, operation_name)
    if operation is None:
        error = {"message": problem, "extensions": {"code": "OPERATION_RESOLUTION_FAILURE"}}
        return PreparedOperation(request_errors=(error,))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    violations = limit_violations(operation, fragments, config.limits)
    if violations:
        return PreparedOperation(
            request_errors=tuple(
                {"message": m, "extensions": {"code": "OPERATION_LIMIT_EXCEEDED"}}
                for m in violations
            )
        )
    planned_document, planned_operation = document, operation
    unauthorized: tuple[tuple[str, ...], ...] = ()
    if authorize is not None:
        filtered = authorize(operation, fragments)
        if filtered is not None:
            if filtered.empty:
                return PreparedOperation(
                    request_errors=tuple(refused(filtered.unauthorized)), error_status=403
                )
            planned_document = filtered.document
            [planned_operation] = filtered.document.definitions  # type: ignore[assignment]
            unauthorized = filtered.unauthorized
    shape = compile_operation(index, operation, fragments)
    definitions = tuple(operation.variable_definitions or ())
    common: dict[str, Any] = {
        "kind": shape.kind,
        "document": document,
        "operation_name": operation.name.value if operation.name else None,
        "shape": shape,
        "variable_definitions": definitions,
        "variable_defaults": {
            d.variable.name.value: value_from_ast_untyped(d.default_value)
            for d in definitions
            if d.default_value is not None
        },
        "unauthorized": unauthorized,
        "condition_variables": _condition_variables(operation, fragments),
    }
    if shape.introspection is not None and not shape.introspection.uses_variables:
        common["introspection"] = shape.introspection.run(schema, None)
    if _only_meta(planned_operation.selection_set, fragments):
        return PreparedOperation(plan=QueryPlan(node=None), **common)
    if keys and shape.kind == "query":
        planned_document, common["key_aliases"] = with_entity_keys(
            schema, keys, planned_document, query
        )
    try:
        with tracing.span("gateway", "gateway.plan"):
            plan = planner.plan(planned_document, common["operation_name"], override_labels=labels)
    except PlanningError as exc:
        return PreparedOperation(planning_errors=(_planning_error(str(exc)),), **common)
    except Exception as exc:  # noqa: BLE001 - a planner bug must not take the gateway down
        log.exception("gateway.planning_crashed", extra={"operation": common["operation_name"]})
        return PreparedOperation(
            planning_errors=(_planning_error(f"Query planning failed: {exc}"),), **common
        )
    return PreparedOperation(plan=plan, **common)


def _select_operation(
    document: DocumentNode, name: str | None
) -> tuple[OperationDefinitionNode | None, str]:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name is None:
        if len(operations) == 1:
            return operations[0], ""
        if not operations:
            return None, "Must provide an operation."
        return None, "Must provide operation name if query contains multiple operations."
    for op in operations:
        if op.name is not None and op.name.value == name:
            return op, ""
    return None, f'Unknown operation named "{name}".'


def _only_meta(node: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> bool:
    for sel in node.selections:
        if isinstance(sel, FieldNode):
            if sel.name.value not in _META_FIELDS:
                return False
        elif isinstance(sel, InlineFragmentNode):
            if not _only_meta(sel.selection_set, fragments):
                return False
        elif isinstance(sel, FragmentSpreadNode):
            if not _only_meta(fragments[sel.name.value].selection_set, fragments):
                return False
    return True


def _formatted(error: GraphQLError, code: str) -> dict[str, Any]:
    out: dict[str, Any] = dict(error.formatted)
    out["message"] = js_style(str(out["message"]))
    extensions = dict(out.get("extensions") or {})
    extensions.setdefault("code", code)
    out["extensions"] = extensions
    return out


def _failed(error: GraphQLError, code: str) -> PreparedOperation:
    return PreparedOperation(request_errors=(_formatted(error, code),))


def _planning_error(message: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": "QUERY_PLANNING_FAILED"}}
