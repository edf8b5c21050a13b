"""``rumah gateway explain``: print an operation's query plan, as text (Apollo-like) or JSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from graphql import GraphQLError, parse, validate
from graphql.language import OperationDefinitionNode, print_ast

from gateway.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FieldSel,
    FlattenNode,
    ParallelNode,
    PlanNode,
    QueryPlan,
    Selection,
    SequenceNode,
    SubscriptionNode,
    plan_to_json,
)
from gateway.ports import PlanningError, SupergraphError

_INDENT = "  "


def plan_to_text(plan: QueryPlan) -> str:
    """Apollo-style text tree: ``QueryPlan { Sequence { Fetch(service: "x") {…} … } }``."""
    if plan.node is None:
        return "QueryPlan {\n}"
    lines = ["QueryPlan {"]
    _node(plan.node, 1, lines)
    lines.append("}")
    return "\n".join(lines)


def _node(node: PlanNode, depth: int, out: list[str]) -> None:
    pad = _INDENT * depth
    if isinstance(node, FetchNode):
        _fetch(node, depth, out)
    elif isinstance(node, FlattenNode):
        out.append(f'{pad}Flatten(path: "{_path_text(node.path)}") {{')
        _fetch(node.node, depth + 1, out)
        out.append(f"{pad}}},")
    elif isinstance(node, SequenceNode | ParallelNode):
        out.append(pad + ("Sequence {" if isinstance(node, SequenceNode) else "Parallel {"))
        for child in node.nodes:
            _node(child, depth + 1, out)
        out.append(f"{pad}}},")
    elif isinstance(node, ConditionNode):
        out.append(f"{pad}Include(if: ${node.condition}) {{")
        if node.if_clause is not None:
            _node(node.if_clause, depth + 1, out)
        out.append(f"{pad}}}")
        if node.else_clause is not None:
            out[-1] += " Else {"
            _node(node.else_clause, depth + 1, out)
            out.append(f"{pad}}}")
        out[-1] += ","
    elif isinstance(node, DeferNode):
        # Apollo's text form: Defer { Primary { … }, [ Deferred(…) { … }, … ] }
        out.append(f"{pad}Defer {{")
        out.append(f"{pad}{_INDENT}Primary {{")
        if node.primary is not None:
            _node(node.primary, depth + 2, out)
        out.append(f"{pad}{_INDENT}}}, [")
        for deferred in node.deferred:
            label = f', label: "{deferred.label}"' if deferred.label else ""
            out.append(f"{pad}{_INDENT * 2}Deferred(id: {deferred.id}{label}) {{")
            if deferred.node is not None:
                _node(deferred.node, depth + 3, out)
            out.append(f"{pad}{_INDENT * 2}}},")
        out.append(f"{pad}{_INDENT}]")
        out.append(f"{pad}}},")
    elif isinstance(node, SubscriptionNode):
        out.append(f"{pad}Subscription {{")
        out.append(f"{pad}{_INDENT}Primary: {{")
        _fetch(node.primary, depth + 2, out)
        out.append(f"{pad}{_INDENT}}},")
        if node.rest is not None:
            out.append(f"{pad}{_INDENT}Rest: {{")
            _node(node.rest, depth + 2, out)
            out.append(f"{pad}{_INDENT}}},")
        out.append(f"{pad}}},")


def _path_text(path: tuple[str, ...]) -> str:
    """Apollo's form: a type condition qualifies the previous element (``items.@|[Book]``)."""
    parts: list[str] = []
    for element in path:
        if element.startswith("... on ") and parts:
            parts[-1] += f"|[{element[len('... on ') :].replace('|', ',')}]"
        else:
            parts.append(element)
    return ".".join(parts)


def _fetch(node: FetchNode, depth: int, out: list[str]) -> None:
    pad = _INDENT * depth
    out.append(f'{pad}Fetch(service: "{node.service}") {{')
    inner = pad + _INDENT
    body = _operation_body(node)
    if node.requires is not None:
        out.append(inner + "{")
        for line in _requires_lines(node.requires, 1):
            out.append(inner + line)
        out.append(inner + "} =>")
    for line in body.splitlines():
        out.append(inner + line)
    out.append(f"{pad}}},")


def _operation_body(node: FetchNode) -> str:
    try:
        doc = parse(node.operation, no_location=True)
    except GraphQLError:
        return node.operation
    op = doc.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    selection = op.selection_set
    if node.requires is not None:
        entities = selection.selections[0]
        inner = getattr(entities, "selection_set", None)
        if inner is not None:
            selection = inner
    return print_ast(selection)


def _requires_lines(sels: tuple[Selection, ...], depth: int) -> list[str]:
    lines: list[str] = []
    pad = _INDENT * depth
    for sel in sels:
        if isinstance(sel, FieldSel):
            head = f"{sel.alias}: {sel.name}" if sel.alias else sel.name
            if sel.selections:
                lines.append(f"{pad}{head} {{")
                lines.extend(_requires_lines(sel.selections, depth + 1))
                lines.append(pad + "}")
            else:
                lines.append(pad + head)
        else:
            lines.append(f"{pad}... on {sel.type_condition} {{")
            lines.extend(_requires_lines(sel.selections, depth + 1))
            lines.append(pad + "}")
    return lines


def run(supergraph_path: Path, query_path: Path, operation_name: str | None, format: str) -> int:
    """Print the plan of the operation in ``query_path``; 0 on success, 1 with a message."""
    from gateway.planner import build_planner
    from gateway.supergraph import load_supergraph

    if format not in ("text", "json"):
        print(f"error: unknown format {format!r} (use text or json)", file=sys.stderr)
        return 1
    try:
        supergraph = load_supergraph(Path(supergraph_path).read_text(encoding="utf-8"))
        document = parse(Path(query_path).read_text(encoding="utf-8"))
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except SupergraphError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except GraphQLError as exc:
        print(f"error: the operation is not valid GraphQL: {exc.message}", file=sys.stderr)
        return 1
    errors = validate(supergraph.api_schema, document)
    if errors:
        for err in errors:
            print(f"error: {err.message}", file=sys.stderr)
        return 1
    try:
        plan = build_planner(supergraph).plan(document, operation_name)
    except PlanningError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if format == "json":
        print(json.dumps(plan_to_json(plan), indent=2))
    else:
        print(plan_to_text(plan))
    return 0
