"""A query plan is plain, frozen, serialisable data (after Apollo's ``QueryPlan.ts``).

The planner (``gateway/planner``) produces it without any I/O; the executor
(``gateway/executor``) walks it. Nothing else couples the two.

Node kinds
----------
``FetchNode``      one request to one subgraph. Root fetches have ``requires is None`` and
                   their result merges at the current path. Entity fetches have a
                   ``requires`` selection (inline fragments on the entity types) that the
                   executor evaluates on each target object to build ``$representations``;
                   the operation is ``query($representations:[_Any!]!, …){_entities(…){…}}``
                   and ``_entities[i]`` is deep-merged into the i-th target.
``FlattenNode``    runs ``node`` (a fetch) on every object reached by ``path`` in the
                   result tree. Path elements: a response key; ``"@"`` = every item of a
                   list (nested lists: one ``"@"`` per level); ``"... on A|B"`` = keep only
                   objects whose ``__typename`` is one of the listed concrete types.
``SequenceNode``   children in order, each after the previous finished.
``ParallelNode``   children concurrently.
``ConditionNode``  ``if_clause`` when the (coerced) boolean variable is true, else
                   ``else_clause``; used for ``@skip``/``@include`` on variables.
``SubscriptionNode`` ``primary`` is the subscription fetch to one subgraph; ``rest`` is
                   run for each event it yields (entity fetches joining other subgraphs).
``DeferNode``      ``@defer``: ``primary`` runs first (its result is the initial payload);
                   then each ``DeferredNode`` of ``deferred`` — concurrently — fetches what
                   its deferred fragment needs (absolute ``Flatten`` paths into the same
                   result tree) and is delivered when done. A ``DeferredNode``'s ``node`` may
                   itself be a ``DeferNode`` (a deferred fragment inside a deferred fragment:
                   delivered after its parent). ``DeferredNode.id`` is the fragment's id in the
                   client document (``gateway.operation.ir.Defer``), which the shaper finds too.
                   Without incremental delivery the whole tree runs before one response.

Rewrites (on ``FetchNode``)
---------------------------
``input_rewrites`` are applied to each representation before sending (e.g. set
``__typename`` to an ``@interfaceObject`` interface name); ``output_rewrites`` to each
returned entity / root result before merging (e.g. rename an alias used to avoid a
field-type conflict back to its response key). ``path`` elements are response keys or
``"... on T"`` (applies when the object's ``__typename`` is ``T``). ``context_inputs``
(``@fromContext`` arguments) are read from each target's ancestors per request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, TypeAlias


# --------------------------------------------------------------------------- selections
@dataclass(frozen=True, slots=True)
class FieldSel:
    """A field in a ``requires`` selection (read from target objects by ``response_key``)."""

    name: str
    alias: str | None = None
    selections: tuple[Selection, ...] = ()

    @property
    def response_key(self) -> str:
        return self.alias or self.name


@dataclass(frozen=True, slots=True)
class InlineFragmentSel:
    """``... on T { … }``; ``type_condition`` may be abstract (matched via possible types)."""

    type_condition: str | None
    selections: tuple[Selection, ...]


Selection: TypeAlias = FieldSel | InlineFragmentSel


# --------------------------------------------------------------------------- rewrites
@dataclass(frozen=True, slots=True)
class ValueSetter:
    path: tuple[str, ...]
    set_value_to: Any


@dataclass(frozen=True, slots=True)
class KeyRenamer:
    path: tuple[str, ...]
    rename_key_to: str


FetchRewrite: TypeAlias = ValueSetter | KeyRenamer


@dataclass(frozen=True, slots=True)
class ContextInput:
    """A ``@fromContext`` argument of an entity fetch: for each target, ``variable`` takes the
    value found on the nearest ancestor object holding ``key`` (a private alias the planner
    selected there), following the path listed for the first type condition the ancestor's
    ``__typename`` satisfies (``paths``: (type condition, keys below ``key``))."""

    variable: str
    key: str
    paths: tuple[tuple[str, tuple[str, ...]], ...]


# --------------------------------------------------------------------------- nodes
OperationKind = Literal["query", "mutation", "subscription"]


@dataclass(frozen=True, slots=True)
class FetchNode:
    service: str
    operation: str
    operation_kind: OperationKind = "query"
    operation_name: str | None = None
    variable_usages: tuple[str, ...] = ()
    requires: tuple[Selection, ...] | None = None
    input_rewrites: tuple[FetchRewrite, ...] = ()
    output_rewrites: tuple[FetchRewrite, ...] = ()
    id: int | None = None
    context_inputs: tuple[ContextInput, ...] = ()


@dataclass(frozen=True, slots=True)
class FlattenNode:
    path: tuple[str, ...]
    node: FetchNode


@dataclass(frozen=True, slots=True)
class SequenceNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ParallelNode:
    nodes: tuple[PlanNode, ...]


@dataclass(frozen=True, slots=True)
class ConditionNode:
    condition: str  # variable name, without "$"
    if_clause: PlanNode | None
    else_clause: PlanNode | None


@dataclass(frozen=True, slots=True)
class SubscriptionNode:
    primary: FetchNode
    rest: PlanNode | None = None


@dataclass(frozen=True, slots=True)
class DeferredNode:
    id: int  # the deferred fragment (``Defer.id``)
    label: str | None
    node: PlanNode | None  # None: everything it needs came with the payload before it
    if_variable: str | None = None  # ``@defer(if: $v)``: when false, run with its parent


@dataclass(frozen=True, slots=True)
class DeferNode:
    primary: PlanNode | None
    deferred: tuple[DeferredNode, ...]


PlanNode: TypeAlias = (
    FetchNode
    | FlattenNode
    | SequenceNode
    | ParallelNode
    | ConditionNode
    | SubscriptionNode
    | DeferNode
)


@dataclass(frozen=True, slots=True)
class QueryPlan:
    """``node`` is None when nothing needs a subgraph (e.g. only ``__typename``/introspection)."""

    node: PlanNode | None


# --------------------------------------------------------------------------- serialisation
def _sel_to_json(sel: Selection) -> dict[str, Any]:
    if isinstance(sel, FieldSel):
        out: dict[str, Any] = {"kind": "Field", "name": sel.name}
        if sel.alias:
            out["alias"] = sel.alias
        if sel.selections:
            out["selections"] = [_sel_to_json(s) for s in sel.selections]
        return out
    return {
        "kind": "InlineFragment",
        "typeCondition": sel.type_condition,
        "selections": [_sel_to_json(s) for s in sel.selections],
    }


def _rewrite_to_json(rw: FetchRewrite) -> dict[str, Any]:
    if isinstance(rw, ValueSetter):
        return {"kind": "ValueSetter", "path": list(rw.path), "setValueTo": rw.set_value_to}
    return {"kind": "KeyRenamer", "path": list(rw.path), "renameKeyTo": rw.rename_key_to}


def node_to_json(node: PlanNode | None) -> dict[str, Any] | None:
    """Stable JSON form (Apollo-like field names), for ``explain`` and snapshot tests."""
    if node is None:
        return None
    if isinstance(node, FetchNode):
        out: dict[str, Any] = {
            "kind": "Fetch",
            "serviceName": node.service,
            "operationKind": node.operation_kind,
            "operation": node.operation,
        }
        if node.operation_name:
            out["operationName"] = node.operation_name
        if node.variable_usages:
            out["variableUsages"] = list(node.variable_usages)
        if node.requires is not None:
            out["requires"] = [_sel_to_json(s) for s in node.requires]
        if node.input_rewrites:
            out["inputRewrites"] = [_rewrite_to_json(r) for r in node.input_rewrites]
        if node.output_rewrites:
            out["outputRewrites"] = [_rewrite_to_json(r) for r in node.output_rewrites]
        if node.context_inputs:
            out["contextRewrites"] = [
                {
                    "variable": c.variable,
                    "key": c.key,
                    "paths": [[tc, list(path)] for tc, path in c.paths],
                }
                for c in node.context_inputs
            ]
        return out
    if isinstance(node, FlattenNode):
        return {"kind": "Flatten", "path": list(node.path), "node": node_to_json(node.node)}
    if isinstance(node, SequenceNode):
        return {"kind": "Sequence", "nodes": [node_to_json(n) for n in node.nodes]}
    if isinstance(node, ParallelNode):
        return {"kind": "Parallel", "nodes": [node_to_json(n) for n in node.nodes]}
    if isinstance(node, ConditionNode):
        return {
            "kind": "Condition",
            "condition": node.condition,
            "ifClause": node_to_json(node.if_clause),
            "elseClause": node_to_json(node.else_clause),
        }
    if isinstance(node, DeferNode):
        return {
            "kind": "Defer",
            "primary": {"node": node_to_json(node.primary)},
            "deferred": [
                {
                    "id": d.id,
                    **({"label": d.label} if d.label else {}),
                    **({"if": d.if_variable} if d.if_variable else {}),
                    "node": node_to_json(d.node),
                }
                for d in node.deferred
            ],
        }
    return {
        "kind": "Subscription",
        "primary": node_to_json(node.primary),
        "rest": node_to_json(node.rest),
    }


def plan_to_json(plan: QueryPlan) -> dict[str, Any]:
    return {"kind": "QueryPlan", "node": node_to_json(plan.node)}
