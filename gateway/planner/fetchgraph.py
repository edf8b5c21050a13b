"""Routed selections → fetch groups (one subgraph request each) with dependencies.

Each ``RJump`` becomes an entity group under its parent's merge path; sibling groups on the
same subgraph, path and dependencies are merged so each subgraph is asked once per stage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeAlias

from gateway.operation.ir import TYPENAME, Condition, Defer, Field, InlineFragment, SelectionSet
from gateway.plan import ValueSetter
from gateway.planner.contexts import ContextUse
from gateway.planner.routed import RField, RFragment, RItem, RJump

ENTITY = "_Entity"

# (parent type, field name) → named type of that field in the supergraph
FieldTypeLookup: TypeAlias = Callable[[str, str], str]


class SelNode:
    """A mutable selection set being assembled for one subgraph operation."""

    __slots__ = ("type_name", "entries")

    def __init__(self, type_name: str) -> None:
        self.type_name = type_name
        # key → (Field, child) for fields; key → (type condition, conditions, child) for fragments
        self.entries: dict[tuple[object, ...], FieldEntry | FragmentEntry] = {}

    def field(self, fld: Field, type_name: str, composite: bool) -> SelNode | None:
        key = ("f", fld.response_key, fld.name, fld.arguments)
        entry = self.entries.get(key)
        if entry is None:
            entry = FieldEntry(fld, SelNode(type_name) if composite else None)
            self.entries[key] = entry
        assert isinstance(entry, FieldEntry)
        return entry.node

    def fragment(
        self, type_condition: str | None, conditions: tuple[Condition, ...], type_name: str
    ) -> SelNode:
        key = ("i", type_condition, conditions)
        entry = self.entries.get(key)
        if entry is None:
            entry = FragmentEntry(type_condition, conditions, SelNode(type_name))
            self.entries[key] = entry
        assert isinstance(entry, FragmentEntry)
        return entry.node

    def add_typename(self) -> None:
        self.field(Field(TYPENAME), "String", False)

    def add_ir(self, sels: SelectionSet, sg_field_type: FieldTypeLookup) -> None:
        """Add an IR selection (key / requires field set) rooted at this node's type."""
        for sel in sels:
            if isinstance(sel, InlineFragment):
                child = self.fragment(
                    sel.type_condition, sel.conditions, sel.type_condition or self.type_name
                )
                child.add_ir(sel.selections, sg_field_type)
            else:
                type_name = sg_field_type(self.type_name, sel.name)
                node = self.field(sel, type_name, sel.selections is not None)
                if node is not None and sel.selections:
                    node.add_ir(sel.selections, sg_field_type)

    def merge(self, other: SelNode) -> None:
        for key, entry in other.entries.items():
            mine = self.entries.get(key)
            if mine is None:
                self.entries[key] = entry
            elif entry.node is not None and mine.node is not None:
                mine.node.merge(entry.node)

    def __bool__(self) -> bool:
        return bool(self.entries)


@dataclass(slots=True)
class FieldEntry:
    field: Field
    node: SelNode | None


@dataclass(slots=True)
class FragmentEntry:
    type_condition: str | None
    conditions: tuple[Condition, ...]
    node: SelNode


@dataclass(slots=True, eq=False)
class Group:
    id: int
    graph: str
    merge_path: tuple[str, ...]
    entity: bool
    sel: SelNode
    inputs: SelNode
    conditions: frozenset[Condition]
    deps: set[int] = field(default_factory=set)
    rewrites: list[ValueSetter] = field(default_factory=list)
    has_requires: bool = False  # its representations carry @requires fields
    kind: str | None = None  # operation kind when it differs from the client's (root jumps)
    contexts: list[ContextUse] = field(default_factory=list)  # @fromContext arguments
    defer: Defer | None = None  # the deferred fragment it fetches for (None: the primary)


def _strip_type_segments(path: tuple[str, ...]) -> tuple[str, ...]:
    end = len(path)
    while end and path[end - 1].startswith("... on "):
        end -= 1
    return path[:end]


class FetchGraph:
    """Builds groups from routed items; ``groups`` keeps creation order (deterministic)."""

    def __init__(self, field_type: FieldTypeLookup, root_type: str) -> None:
        self.field_type = field_type
        self.root_type = root_type
        self.groups: dict[int, Group] = {}
        self._next = 0

    def new_group(
        self,
        graph: str,
        path: tuple[str, ...],
        entity: bool,
        conditions: frozenset[Condition],
        defer: Defer | None = None,
    ) -> Group:
        g = Group(
            self._next,
            graph,
            path,
            entity,
            SelNode(ENTITY if entity else self.root_type),
            SelNode(ENTITY),
            conditions,
            defer=defer,
        )
        self.groups[g.id] = g
        self._next += 1
        return g

    def add_root(self, graph: str, items: tuple[RItem, ...], defer: Defer | None = None) -> Group:
        conditions = _common_conditions(items)
        group = self.new_group(graph, (), False, conditions, defer)
        self.place(items, group, group.sel, (), self.root_type, conditions)
        return group

    def place(
        self,
        items: Iterable[RItem],
        group: Group,
        node: SelNode,
        path: tuple[str, ...],
        type_name: str,
        conds: frozenset[Condition],
    ) -> set[int]:
        created: set[int] = set()
        for item in items:
            if isinstance(item, RField):
                child = node.field(item.field, item.type_name, item.items is not None)
                if child is not None and item.items:
                    sub_path = path + (item.field.response_key,) + ("@",) * item.list_depth
                    created |= self.place(item.items, group, child, sub_path, item.type_name, conds)
            elif isinstance(item, RFragment):
                inner_type = item.type_condition or type_name
                child = node.fragment(item.type_condition, item.conditions, inner_type)
                sub_path = path
                if item.type_condition and item.type_condition != type_name:
                    sub_path = path + (f"... on {item.type_condition}",)
                created |= self.place(
                    item.items, group, child, sub_path, inner_type, conds | set(item.conditions)
                )
            else:
                created |= self._jump(item, group, node, path, type_name, conds)
        return created

    def _jump(
        self,
        jump: RJump,
        group: Group,
        node: SelNode,
        path: tuple[str, ...],
        type_name: str,
        conds: frozenset[Condition],
    ) -> set[int]:
        defer = jump.defer if jump.defer is not None else group.defer
        if jump.root:
            root_group = self.new_group(jump.graph, _strip_type_segments(path), False, conds, defer)
            root_group.kind = "query"
            root_group.deps = {group.id}
            root_group.sel = SelNode(jump.entity_type)
            inner = self.place(jump.items, root_group, root_group.sel, path, type_name, conds)
            return {root_group.id} | inner
        created = self.place(jump.pre, group, node, path, type_name, conds)
        node.add_typename()
        child = self.new_group(jump.graph, _strip_type_segments(path), True, conds, defer)
        child.deps = {group.id} | created
        child.has_requires = bool(jump.requires)
        child.contexts = list(jump.contexts)
        rep = child.inputs.fragment(jump.source_type, (), jump.source_type)
        rep.add_typename()
        rep.add_ir(jump.key, self.field_type)
        rep.add_ir(jump.requires, self.field_type)
        if jump.rewrite_typename:
            child.rewrites.append(
                ValueSetter((f"... on {jump.source_type}", TYPENAME), jump.entity_type)
            )
        target = child.sel.fragment(jump.entity_type, (), jump.entity_type)
        inner = self.place(jump.items, child, target, child.merge_path, jump.entity_type, conds)
        return created | {child.id} | inner

    # ------------------------------------------------------------------ optimisation
    def merge_siblings(self) -> None:
        """Merge entity groups with the same subgraph, merge path and dependencies."""
        changed = True
        while changed:
            changed = False
            seen: dict[tuple[object, ...], Group] = {}
            for g in list(self.groups.values()):
                if not g.entity:
                    continue
                key = (g.graph, g.merge_path, frozenset(g.deps), g.defer)
                keep = seen.get(key)
                if keep is None:
                    seen[key] = g
                    continue
                if _inputs_conflict(keep.inputs, g.inputs) or not _conditions_compatible(keep, g):
                    continue
                self._absorb(keep, g)
                changed = True
                break

    def reduce_dependencies(self) -> None:
        """Transitive reduction: a group waits only for groups no other dependency covers,
        so a chain nests (``Sequence[a, b, c]``) instead of waiting for a whole stage."""
        ancestors: dict[int, set[int]] = {}

        def reach(gid: int) -> set[int]:
            found = ancestors.get(gid)
            if found is None:
                found = set()
                for d in self.groups[gid].deps:
                    found |= {d} | reach(d)
                ancestors[gid] = found
            return found

        for g in self.groups.values():
            indirect = set().union(*(reach(d) for d in g.deps)) if g.deps else set()
            g.deps = {d for d in g.deps if d not in indirect}

    def _absorb(self, keep: Group, gone: Group) -> None:
        keep.sel.merge(gone.sel)
        keep.inputs.merge(gone.inputs)
        keep.conditions = effective_conditions(keep) & effective_conditions(gone)
        keep.has_requires = keep.has_requires or gone.has_requires
        for rw in gone.rewrites:
            if rw not in keep.rewrites:
                keep.rewrites.append(rw)
        for use in gone.contexts:
            if use not in keep.contexts:
                keep.contexts.append(use)
        del self.groups[gone.id]
        for other in self.groups.values():
            if gone.id in other.deps:
                other.deps.discard(gone.id)
                if other.id != keep.id:
                    other.deps.add(keep.id)


def _common_conditions(items: tuple[RItem, ...]) -> frozenset[Condition]:
    common: frozenset[Condition] | None = None
    for item in items:
        conds: frozenset[Condition] = frozenset()
        if isinstance(item, RFragment) and item.type_condition is None:
            conds = frozenset(item.conditions)
        common = conds if common is None else common & conds
    return common or frozenset()


def _named_fields(node: SelNode, out: dict[str, list[FieldEntry]]) -> dict[str, list[FieldEntry]]:
    for entry in node.entries.values():
        if isinstance(entry, FieldEntry):
            out.setdefault(entry.field.name, []).append(entry)
        else:
            _named_fields(entry.node, out)
    return out


def _inputs_conflict(a: SelNode, b: SelNode) -> bool:
    """Whether two representation selections read one field with different arguments."""
    fa = _named_fields(a, {})
    fb = _named_fields(b, {})
    for name, xs in fa.items():
        for x in xs:
            for y in fb.get(name, ()):
                if x.field.arguments != y.field.arguments or x.field.alias != y.field.alias:
                    return True
                if x.node is not None and y.node is not None and _inputs_conflict(x.node, y.node):
                    return True
    return False


def common_conditions(node: SelNode) -> frozenset[Condition]:
    """Conditions under which everything in ``node`` is skipped unless they hold."""
    common: frozenset[Condition] | None = None
    for entry in node.entries.values():
        if isinstance(entry, FieldEntry):
            return frozenset()
        conds = frozenset(entry.conditions) | common_conditions(entry.node)
        common = conds if common is None else common & conds
        if not common:
            return frozenset()
    return common or frozenset()


def effective_conditions(group: Group) -> frozenset[Condition]:
    return group.conditions | common_conditions(group.sel)


def _conditions_compatible(a: Group, b: Group) -> bool:
    """Merging must not run a group's representations outside the conditions under which
    its parent fetched the required fields."""
    ca, cb = effective_conditions(a), effective_conditions(b)
    merged = ca & cb
    return not ((a.has_requires and ca != merged) or (b.has_requires and cb != merged))
