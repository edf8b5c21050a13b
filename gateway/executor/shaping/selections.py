"""The client operation, compiled once per cached operation into what the shaper walks.

Named fragments are inlined, constant ``@skip/@include`` resolved, variable ones kept as
conditions. ``collect`` implements CollectFields (GraphQL spec §6.3.2) for one runtime type
and memoises the result per (runtime type, values of the condition variables).

Incremental delivery: a ``@defer`` fragment keeps a ``DeferMark`` (and its own plan); a
``@stream`` field a ``StreamMark``. When the response is delivered incrementally (the
pseudo-variable ``INCREMENTAL`` is true), a deferred fragment applying to the runtime type
is collected as one ``DEFERRED`` entry instead of its fields — the shaper records where it
applies and shapes it later — and a streamed list as ``STREAMED``. Otherwise both are
ordinary fragments and fields: everything in one response.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from graphql import (
    BooleanValueNode,
    DirectiveNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    IntValueNode,
    SelectionSetNode,
    StringValueNode,
    VariableNode,
)

from gateway.executor.shaping.leaves import leaf_any
from gateway.executor.shaping.typeref import SchemaIndex, TypeRef
from gateway.json_keys import json_key

# How the shaper completes a collected field (decided once, when collected):
LEAF_ANY = 0  # custom scalar: any non-null JSON value
LEAF_STRING = 1  # String: must be a str
LEAF_ID = 2  # ID: a str or an int
LEAF_BOOLEAN = 3
LEAF_INT = 4  # Int: a 32-bit int inline (anything else goes through the Int check)
LEAF_CHECKED = 5  # other scalars and enums: ``TypeRef.leaf`` checks/normalises
NESTED = 6  # lists and composite types
TYPENAME = 7
INTROSPECTION = 8
UNKNOWN = 9  # not a field of the runtime type: always null
DEFERRED = 10  # a deferred fragment applying here: shaped later, in its own payload
STREAMED = 11  # a streamed list: its first items now, the rest in a later payload
# the pseudo-variable (a condition variable no client can name) that is true when the
# response is delivered incrementally (multipart) rather than all at once
INCREMENTAL = "\x00incremental"
_INLINE_LEAVES = {
    "String": LEAF_STRING,
    "ID": LEAF_ID,
    "Boolean": LEAF_BOOLEAN,
    "Int": LEAF_INT,
}
_INTROSPECTION_FIELDS = frozenset({"__schema", "__type"})
_MEMO_LIMIT = 256

# (variable, is_skip): keep the selection iff (variables[variable] is True) != is_skip
Condition = tuple[str, bool]


@dataclass(frozen=True, slots=True)
class DeferMark:
    """``@defer`` on a fragment: ``id`` is the directive's offset in the document (the planner
    names its ``DeferredNode`` the same); ``if_variable``: deferred only when it is true."""

    id: int
    label: str | None
    if_variable: str | None
    plan: SelectionPlan  # the fragment's own selections, shaped in its payload


@dataclass(frozen=True, slots=True)
class StreamMark:
    """``@stream`` on a list field: ``initial_count`` items (an int, or a variable's name)
    come with the field, the rest later; ``if_variable``: streamed only when it is true."""

    label: str | None
    initial_count: int | str
    if_variable: str | None


@dataclass(frozen=True, slots=True)
class ShapeField:
    key: str
    name: str
    conditions: tuple[Condition, ...]
    child: SelectionPlan | None
    stream: StreamMark | None = None


@dataclass(frozen=True, slots=True)
class ShapeFragment:
    type_condition: str | None
    conditions: tuple[Condition, ...]
    items: tuple[ShapeField | ShapeFragment, ...]
    defer: DeferMark | None = None


@dataclass(frozen=True, slots=True)
class CollectedField:
    key: str
    name: str
    mode: int  # LEAF_ANY … UNKNOWN
    type: TypeRef | None  # None for meta and unknown fields
    child: SelectionPlan | None
    parent: str  # runtime parent type (for error messages)
    non_null: bool = False
    defer: DeferMark | None = None  # DEFERRED
    stream: StreamMark | None = None  # STREAMED


def _mode(ref: TypeRef) -> int:
    if ref.leaf is None or ref.item is not None:
        return NESTED
    if ref.leaf is leaf_any:
        return LEAF_ANY
    return _INLINE_LEAVES.get(ref.name, LEAF_CHECKED)


class SelectionPlan:
    """A selection set; ``collect`` is memoised on the instance."""

    __slots__ = ("items", "_memo", "_native")

    def __init__(self, items: tuple[ShapeField | ShapeFragment, ...]) -> None:
        self.items = items
        # keyed by the runtime type name alone when there are no condition variables
        self._memo: dict[object, tuple[CollectedField, ...]] = {}
        # the same, as the compiled kernel's records (gateway/executor/kernel.py)
        self._native: dict[object, tuple[Any, ...]] = {}

    def collect(
        self,
        runtime_type: str,
        signature: tuple[bool, ...],
        truth: dict[str, bool],
        index: SchemaIndex,
    ) -> tuple[CollectedField, ...]:
        key: object = (runtime_type, signature) if signature else runtime_type
        found = self._memo.get(key)
        if found is not None:
            return found
        grouped: dict[str, list[ShapeField | DeferMark]] = {}
        _visit(self.items, runtime_type, truth, index, grouped)
        fields = tuple(_collected(runtime_type, group, index, truth) for group in grouped.values())
        if len(self._memo) < _MEMO_LIMIT:
            self._memo[key] = fields
        return fields


def _keep(conditions: tuple[Condition, ...], truth: dict[str, bool]) -> bool:
    for variable, is_skip in conditions:
        if truth.get(variable, False) == is_skip:
            return False
    return True


def _visit(
    items: tuple[ShapeField | ShapeFragment, ...],
    runtime_type: str,
    truth: dict[str, bool],
    index: SchemaIndex,
    grouped: dict[str, list[ShapeField | DeferMark]],
) -> None:
    for item in items:
        if item.conditions and not _keep(item.conditions, truth):
            continue
        if type(item) is ShapeField:
            grouped.setdefault(item.key, []).append(item)
        else:
            assert isinstance(item, ShapeFragment)
            cond = item.type_condition
            if cond is None or index.relations.matches(runtime_type, cond):
                defer = item.defer
                if defer is not None and _deferred(defer, truth):
                    grouped.setdefault(f"\x00defer:{defer.id}", []).append(defer)
                else:
                    _visit(item.items, runtime_type, truth, index, grouped)


def _deferred(defer: DeferMark, truth: dict[str, bool]) -> bool:
    if not truth.get(INCREMENTAL, False):
        return False
    return defer.if_variable is None or truth.get(defer.if_variable, False)


def _collected(
    runtime_type: str,
    group: list[ShapeField | DeferMark],
    index: SchemaIndex,
    truth: dict[str, bool],
) -> CollectedField:
    first = group[0]
    if isinstance(first, DeferMark):
        return CollectedField("", "", DEFERRED, None, first.plan, runtime_type, defer=first)
    fields = [f for f in group if isinstance(f, ShapeField)]
    name = first.name
    if name == "__typename":
        return CollectedField(first.key, name, TYPENAME, None, None, runtime_type)
    if name in _INTROSPECTION_FIELDS:
        return CollectedField(first.key, name, INTROSPECTION, None, None, runtime_type)
    ftype = index.field_type(runtime_type, name)
    if ftype is None:
        return CollectedField(first.key, name, UNKNOWN, None, None, runtime_type)
    children = [f.child for f in fields if f.child is not None]
    if not children:
        child = None
    elif len(children) == 1:
        child = children[0]
    else:
        child = SelectionPlan(tuple(item for c in children for item in c.items))
    stream = next((f.stream for f in fields if f.stream is not None), None)
    if stream is not None and _streamed(stream, truth) and ftype.item is not None:
        return CollectedField(
            first.key, name, STREAMED, ftype, child, runtime_type, ftype.non_null, stream=stream
        )
    return CollectedField(first.key, name, _mode(ftype), ftype, child, runtime_type, ftype.non_null)


def _streamed(stream: StreamMark, truth: dict[str, bool]) -> bool:
    if not truth.get(INCREMENTAL, False):
        return False
    return stream.if_variable is None or truth.get(stream.if_variable, False)


# --------------------------------------------------------------------------- compile
class _Compiler:
    def __init__(self, fragments: dict[str, FragmentDefinitionNode]) -> None:
        self.fragments = fragments
        self.condition_vars: dict[str, None] = {}
        self.incremental = False  # some @defer or @stream
        self._fragment_items: dict[str, tuple[ShapeField | ShapeFragment, ...]] = {}

    def selection_set(self, node: SelectionSetNode) -> SelectionPlan:
        return SelectionPlan(self.items(node))

    def items(self, node: SelectionSetNode) -> tuple[ShapeField | ShapeFragment, ...]:
        out: list[ShapeField | ShapeFragment] = []
        for sel in node.selections:
            conditions = self.conditions(sel.directives)
            if conditions is None:
                continue
            if isinstance(sel, FieldNode):
                # orjson's own key object: the shaper's lookups end at identity
                key = json_key(sel.alias.value if sel.alias else sel.name.value)
                child = self.selection_set(sel.selection_set) if sel.selection_set else None
                out.append(
                    ShapeField(key, sel.name.value, conditions, child, self.stream(sel.directives))
                )
            elif isinstance(sel, InlineFragmentNode):
                cond = sel.type_condition.name.value if sel.type_condition else None
                inline = self.items(sel.selection_set)
                out.append(
                    ShapeFragment(cond, conditions, inline, self.defer(sel.directives, inline))
                )
            elif isinstance(sel, FragmentSpreadNode):
                name = sel.name.value
                fragment = self.fragments[name]
                items = self._fragment_items.get(name)
                if items is None:
                    items = self.items(fragment.selection_set)
                    self._fragment_items[name] = items
                out.append(
                    ShapeFragment(
                        fragment.type_condition.name.value,
                        conditions,
                        items,
                        self.defer(sel.directives, items),
                    )
                )
        return tuple(out)

    def defer(
        self, directives: Any, items: tuple[ShapeField | ShapeFragment, ...]
    ) -> DeferMark | None:
        """The ``@defer`` of a fragment (None without one, or with ``if: false``); its id is
        the directive's offset, as the planner's (``gateway.operation.normalize.defer_of``)."""
        for directive in directives or ():
            if directive.name.value != "defer":
                continue
            label = _string_argument(directive, "label")
            value = _if_argument(directive)
            if isinstance(value, BooleanValueNode) and not value.value:
                return None
            if_variable = self._variable(value)
            ident = directive.loc.start if directive.loc is not None else id(directive)
            self._incremental()
            return DeferMark(ident, label, if_variable, SelectionPlan(items))
        return None

    def stream(self, directives: Any) -> StreamMark | None:
        for directive in directives or ():
            if directive.name.value != "stream":
                continue
            value = _if_argument(directive)
            if isinstance(value, BooleanValueNode) and not value.value:
                return None
            if_variable = self._variable(value)
            count: int | str = 0
            for arg in directive.arguments or ():
                if arg.name.value == "initialCount":
                    if isinstance(arg.value, IntValueNode):
                        count = int(arg.value.value)
                    elif isinstance(arg.value, VariableNode):
                        count = arg.value.name.value
            self._incremental()
            return StreamMark(_string_argument(directive, "label"), count, if_variable)
        return None

    def _variable(self, value: Any) -> str | None:
        if isinstance(value, VariableNode):
            self.condition_vars[value.name.value] = None
            return str(value.name.value)
        return None

    def _incremental(self) -> None:
        self.incremental = True
        self.condition_vars[INCREMENTAL] = None

    def conditions(self, directives: Any) -> tuple[Condition, ...] | None:
        """Variable conditions of a selection; None when a constant one excludes it."""
        out: list[Condition] = []
        for directive in directives or ():
            name = directive.name.value
            if name not in ("skip", "include"):
                continue
            value = _if_argument(directive)
            is_skip = name == "skip"
            if isinstance(value, VariableNode):
                self.condition_vars[value.name.value] = None
                out.append((value.name.value, is_skip))
            elif isinstance(value, BooleanValueNode) and value.value == is_skip:
                return None
        return tuple(out)


def _if_argument(directive: DirectiveNode) -> Any:
    for arg in directive.arguments or ():
        if arg.name.value == "if":
            return arg.value
    return None


def _string_argument(directive: DirectiveNode, name: str) -> str | None:
    for arg in directive.arguments or ():
        if arg.name.value == name and isinstance(arg.value, StringValueNode):
            return str(arg.value.value)
    return None


def compile_selection_set(
    node: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]
) -> tuple[SelectionPlan, tuple[str, ...], bool]:
    """The plan of ``node``, the variables its conditions read (``@skip/@include``, the
    ``if`` of ``@defer/@stream``, and ``INCREMENTAL`` if any of those is used) and whether
    it uses ``@defer``/``@stream``."""
    compiler = _Compiler(fragments)
    plan = compiler.selection_set(node)
    return plan, tuple(compiler.condition_vars), compiler.incremental
