"""Fetch groups → plan nodes: operation text, ``requires``, stages (Sequence/Parallel/Condition)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from graphql import DirectiveLocation, VariableDefinitionNode, print_ast

from gateway.json_keys import json_key
from gateway.operation.ir import TYPENAME, Condition, Defer
from gateway.operation.normalize import OperationDirective
from gateway.plan import (
    ConditionNode,
    DeferNode,
    DeferredNode,
    FetchNode,
    FieldSel,
    FlattenNode,
    InlineFragmentSel,
    KeyRenamer,
    ParallelNode,
    PlanNode,
    Selection,
    SequenceNode,
)
from gateway.planner.fetchgraph import (
    FetchGraph,
    FieldEntry,
    Group,
    SelNode,
    effective_conditions,
)
from gateway.supergraph.model import Supergraph


class OperationPrinter:
    def __init__(
        self,
        sg: Supergraph,
        variable_definitions: Mapping[str, VariableDefinitionNode],
        operation_name: str | None,
        directives: Sequence[OperationDirective] = (),
    ) -> None:
        self.sg = sg
        self.var_defs = variable_definitions
        self.operation_name = operation_name
        self.directives = tuple(directives)
        self.counter = 0
        self.alias_counter = 0

    def render(self, node: SelNode, graph: str, used: set[str], aliases: dict[int, str]) -> str:
        parts: list[str] = []
        has_typename = any(
            isinstance(e, FieldEntry) and e.field.name == TYPENAME and e.field.alias is None
            for e in node.entries.values()
        )
        if not has_typename and self.sg.is_abstract_in(graph, node.type_name):
            parts.append(TYPENAME)
        for entry in node.entries.values():
            if isinstance(entry, FieldEntry):
                f = entry.field
                alias = aliases.get(id(entry), f.alias)
                text = f"{alias}:{f.name}" if alias else f.name
                if f.arguments:
                    text += "(" + ",".join(f"{n}:{v}" for n, v in f.arguments) + ")"
                for directive in f.directives:
                    text += " " + directive
                used |= f.variables
                if entry.node is not None:
                    text += "{" + self.render(entry.node, graph, used, aliases) + "}"
                parts.append(text)
            else:
                head = "..."
                if entry.type_condition:
                    head += f" on {entry.type_condition}"
                for cond in entry.conditions:
                    head += " " + cond.render()
                    used.add(cond.variable)
                parts.append(head + "{" + self.render(entry.node, graph, used, aliases) + "}")
        return " ".join(parts)

    # ------------------------------------------------------------------ type conflicts
    def _local_type(self, graph: str, parent: str, name: str) -> str:
        if name == TYPENAME:
            return "String!"
        fd = self.sg.field(parent, name)
        if fd is None:
            return "?"
        entry = fd.per_graph.get(graph)
        return entry.local_type if entry and entry.local_type else fd.type_ref

    def _shape(self, type_ref: str) -> str:
        """The part of a type GraphQL's "same response shape" rule compares: list and non-null
        wrappers and leaf types; any two composite types merge (their subfields are compared
        in turn), so ``samePriceProduct: Product`` and ``samePriceProduct: Book`` need no alias."""
        name = type_ref.replace("[", "").replace("]", "").replace("!", "").strip()
        t = self.sg.types.get(name)
        if t is not None and t.is_composite:
            return type_ref.replace(name, "*")
        return type_ref

    def _conflict_aliases(
        self,
        level: list[tuple[SelNode, tuple[str, ...]]],
        graph: str,
        aliases: dict[int, str],
        renames: list[KeyRenamer],
    ) -> None:
        """Alias same-key fields whose types differ in ``graph`` (GraphQL would reject them)."""
        by_key: dict[str, list[tuple[str, FieldEntry, tuple[str, ...]]]] = {}

        def collect(node: SelNode, path: tuple[str, ...]) -> None:
            for entry in node.entries.values():
                if isinstance(entry, FieldEntry):
                    by_key.setdefault(entry.field.response_key, []).append(
                        (node.type_name, entry, path)
                    )
                else:
                    sub = path + (
                        (f"... on {entry.type_condition}",) if entry.type_condition else ()
                    )
                    collect(entry.node, sub)

        for node, path in level:
            collect(node, path)
        for key, entries in by_key.items():
            first_parent, first_entry, _ = entries[0]
            first_type = self._shape(self._local_type(graph, first_parent, first_entry.field.name))
            same: list[tuple[SelNode, tuple[str, ...]]] = []
            for parent, entry, path in entries:
                ftype = self._shape(self._local_type(graph, parent, entry.field.name))
                if ftype == first_type:
                    if entry.node is not None:
                        same.append((entry.node, path + (key,)))
                    continue
                self.alias_counter += 1
                alias = f"{key}__alias_{self.alias_counter}"
                aliases[id(entry)] = alias
                renames.append(KeyRenamer(path + (alias,), key))
                if entry.node is not None:
                    self._conflict_aliases([(entry.node, path + (alias,))], graph, aliases, renames)
            if len(same) > 0:
                self._conflict_aliases(same, graph, aliases, renames)

    def fetch(self, group: Group, kind: str) -> FetchNode:
        used: set[str] = set()
        aliases: dict[int, str] = {}
        renames: list[KeyRenamer] = []
        self._conflict_aliases([(group.sel, ())], group.graph, aliases, renames)
        body = self.render(group.sel, group.graph, used, aliases)
        fetch_kind = "query" if group.entity else kind
        directives = self._directives(fetch_kind, used)
        variables = sorted(v for v in used if v in self.var_defs)
        defs = ",".join(self._var_def(v) for v in variables)
        name = None
        if self.operation_name:
            name = f"{self.operation_name}__{_sanitize(group.graph)}__{self.counter}"
        self.counter += 1
        if group.entity:
            for use in group.contexts:
                defs += ("," if defs else "") + f"${use.input.variable}:{use.type}"
            all_defs = "$representations:[_Any!]!" + ("," + defs if defs else "")
            head = "query" + (f" {name}" if name else "") + f"({all_defs})" + directives
            text = head + "{_entities(representations:$representations){" + body + "}}"
            requires: tuple[Selection, ...] | None = _requires(group.inputs)
        else:
            if name or defs or directives or kind != "query":
                text = kind + (f" {name}" if name else "") + (f"({defs})" if defs else "")
                text += directives
            else:
                text = ""
            text += "{" + body + "}"
            requires = None
        return FetchNode(
            service=group.graph,
            operation=text,
            operation_kind="query" if group.entity else kind,  # type: ignore[arg-type]
            operation_name=name,
            variable_usages=tuple(variables),
            requires=requires,
            input_rewrites=tuple(group.rewrites),
            output_rewrites=tuple(renames),
            context_inputs=tuple(use.input for use in group.contexts),
        )

    def _directives(self, kind: str, used: set[str]) -> str:
        """The operation's directives that the definition allows on a ``kind`` operation."""
        text = ""
        for directive in self.directives:
            definition = self.sg.api_schema.get_directive(directive.name)
            if definition is None or DirectiveLocation[kind.upper()] not in definition.locations:
                continue
            text += " " + directive.text
            used |= directive.variables
        return text

    def _var_def(self, name: str) -> str:
        vd = self.var_defs[name]
        text = f"${name}:{print_ast(vd.type)}"
        if vd.default_value is not None:
            text += "=" + print_ast(vd.default_value)
        return text


def _sanitize(name: str) -> str:
    return "".join(c if c.isalnum() or c == "_" else "_" for c in name)


def _requires(node: SelNode) -> tuple[Selection, ...]:
    return tuple(_to_plan(node))


def _to_plan(node: SelNode) -> list[Selection]:
    out: list[Selection] = []
    for entry in node.entries.values():
        if isinstance(entry, FieldEntry):
            subs = tuple(_to_plan(entry.node)) if entry.node is not None else ()
            out.append(FieldSel(entry.field.name, entry.field.alias, subs))
        elif entry.type_condition is None:
            out.extend(_to_plan(entry.node))
        else:
            out.append(InlineFragmentSel(entry.type_condition, tuple(_to_plan(entry.node))))
    return out


def _wrap(node: PlanNode, conditions: frozenset[Condition]) -> PlanNode:
    for cond in sorted(conditions, key=lambda c: (c.variable, c.include), reverse=True):
        if cond.include:
            node = ConditionNode(cond.variable, node, None)
        else:
            node = ConditionNode(cond.variable, None, node)
    return node


def _parallel(nodes: list[PlanNode]) -> PlanNode:
    return nodes[0] if len(nodes) == 1 else ParallelNode(tuple(nodes))


def _sequence(nodes: list[PlanNode]) -> PlanNode:
    flat: list[PlanNode] = []
    for n in nodes:
        flat.extend(n.nodes if isinstance(n, SequenceNode) else (n,))
    return flat[0] if len(flat) == 1 else SequenceNode(tuple(flat))


class Emitter:
    """Orders groups: a child depending only on its parent nests under it; joins wait a stage.

    ``defer``: the deferred fragment whose groups to order (None: the primary's); groups in
    ``scheduled`` (the primary's, the enclosing deferred fragments') count as done."""

    def __init__(
        self,
        graph: FetchGraph,
        printer: OperationPrinter,
        kind: str,
        defer: int | None = None,
        scheduled: set[int] | None = None,
    ) -> None:
        self.graph = graph
        self.printer = printer
        self.kind = kind
        self.scheduled: set[int] = set(scheduled or ())
        self.groups = [g for g in graph.groups.values() if _defer_id(g) == defer]
        self.children: dict[int, list[Group]] = {g.id: [] for g in self.groups}
        for g in self.groups:
            for d in sorted(g.deps):
                if d in self.children:
                    self.children[d].append(g)

    def node_for(self, group: Group) -> PlanNode:
        fetch = self.printer.fetch(group, group.kind or self.kind)
        nested = group.entity or bool(group.merge_path)
        # path keys as orjson's own objects: the executor's walks look them up on identity
        path = tuple(json_key(element) for element in group.merge_path)
        node: PlanNode = FlattenNode(path, fetch) if nested else fetch
        return _wrap(node, effective_conditions(group))

    def branch(self, group: Group) -> PlanNode:
        self.scheduled.add(group.id)
        own = self.node_for(group)
        kids = [k for k in self.children[group.id] if k.deps == {group.id}]
        if not kids:
            return own
        for k in kids:
            self.scheduled.add(k.id)
        return _sequence([own, _parallel([self.branch(k) for k in kids])])

    def emit(self, start: list[Group]) -> PlanNode | None:
        stages: list[PlanNode] = []
        ready = start
        while ready:
            stages.append(_parallel([self.branch(g) for g in ready]))
            ready = [
                g for g in self.groups if g.id not in self.scheduled and g.deps <= self.scheduled
            ]
        leftover = [g.id for g in self.groups if g.id not in self.scheduled]
        if leftover:
            raise AssertionError(f"fetch groups with unsatisfiable dependencies: {leftover}")
        return _sequence(stages) if stages else None


def _defer_id(group: Group) -> int | None:
    return None if group.defer is None else group.defer.id


def emit_with_defers(
    graph: FetchGraph,
    printer: OperationPrinter,
    kind: str,
    roots: list[Group],
    defers: Mapping[int, Defer],
) -> PlanNode | None:
    """The primary plan, with a ``DeferNode`` per level of deferred fragments that have
    fetches of their own (``planner/defer.py``). Raises ``AssertionError`` when a deferred
    fetch would wait for something outside the primary and its enclosing fragments."""
    used = {g.defer.id for g in graph.groups.values() if g.defer is not None}
    if not used:
        return Emitter(graph, printer, kind).emit(roots)
    needed: set[int] = set()
    for ident in used:
        current: int | None = ident
        while current is not None and current not in needed:
            needed.add(current)
            current = defers[current].parent
    children: dict[int | None, list[Defer]] = {}
    for ident in sorted(needed):  # document order
        children.setdefault(defers[ident].parent, []).append(defers[ident])

    def level(defer: int | None, done: set[int], start: list[Group] | None) -> PlanNode | None:
        emitter = Emitter(graph, printer, kind, defer, done)
        if start is None:
            start = [g for g in emitter.groups if g.deps <= done]
        node = emitter.emit(start)
        kids = children.get(defer)
        if not kids:
            return node
        after = emitter.scheduled
        return DeferNode(
            node,
            tuple(
                DeferredNode(k.id, k.label, level(k.id, after, None), k.if_variable) for k in kids
            ),
        )

    return level(None, set(), roots)
