"""``@context`` / ``@fromContext`` (join v0.5 ``contextArguments``).

A field argument marked ``@fromContext(field: "$ctx { a { b } }")`` takes its value from the
nearest ancestor (in the response) whose type sets ``@context(name: "ctx")``, read along the
selection. Clients never pass it (the API schema has no such argument). Planning:

1. Before routing, the context selection is added to every ancestor that can hold the context
   (under a private alias ``ctx__<n>``), so the ancestor's fetch brings the value.
2. The field itself is fetched through ``_entities`` with the argument bound to a variable
   (``$ctx__<n>_<argument>``); the fetch node lists a ``ContextInput`` telling the executor which
   ancestor key to read for each target. Targets with different values go in separate
   requests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from graphql import (
    FieldNode,
    GraphQLError,
    InlineFragmentNode,
    SchemaDefinitionNode,
    SchemaExtensionNode,
    SelectionSetNode,
    StringValueNode,
    parse,
)

from gateway.link import read_links
from gateway.operation.ir import Field, InlineFragment, Selection, SelectionSet
from gateway.plan import ContextInput
from gateway.ports import PlanningError
from gateway.supergraph.model import ContextArgument, Supergraph

CONTEXT_IDENTITY = "https://specs.apollo.dev/context"
KEY_PREFIX = "ctx__"


@dataclass(frozen=True, slots=True)
class ContextUse:
    """One contextual argument of a field as fetched: ``name: $variable`` of ``type``."""

    argument: str
    type: str
    input: ContextInput


def _context_types(sg: Supergraph) -> dict[str, tuple[str, ...]]:
    """Context name → types setting it (``@context(name:)`` in the supergraph)."""
    schema = sg.supergraph_schema
    nodes = [
        n
        for n in (schema.ast_node, *schema.extension_ast_nodes)
        if isinstance(n, SchemaDefinitionNode | SchemaExtensionNode)
    ]
    link = read_links(nodes).get(CONTEXT_IDENTITY) if nodes else None
    if link is None:
        return {}
    directive = link.directive_name("context")
    out: dict[str, list[str]] = {}
    for name, gtype in schema.type_map.items():
        for node in (gtype.ast_node, *getattr(gtype, "extension_ast_nodes", ())):
            for d in getattr(node, "directives", None) or ():
                if d.name.value != directive:
                    continue
                for arg in d.arguments:
                    if arg.name.value == "name" and isinstance(arg.value, StringValueNode):
                        out.setdefault(arg.value.value, []).append(name)
    return {k: tuple(sorted(set(v))) for k, v in out.items()}


def _paths(selection: str, where: str) -> list[tuple[str | None, tuple[str, ...]]]:
    """``... on A { x { y } } ... on B { z }`` → [(A, (x, y)), (B, (z,))]; one leaf each."""
    text = selection.strip()
    try:
        doc = parse(text if text.startswith("{") else "{" + text + "}", no_location=True)
    except GraphQLError as exc:
        raise PlanningError(f"{where}: cannot read @fromContext selection: {exc.message}") from None
    op = doc.definitions[0]
    top: SelectionSetNode = op.selection_set  # type: ignore[attr-defined]
    out: list[tuple[str | None, tuple[str, ...]]] = []
    for sel in top.selections:
        if isinstance(sel, InlineFragmentNode):
            tc = sel.type_condition.name.value if sel.type_condition else None
            out.append((tc, _chain(sel.selection_set, where)))
        else:
            out.append((None, _chain(SelectionSetNode(selections=(sel,)), where)))
    return out


def _chain(selection_set: SelectionSetNode, where: str) -> tuple[str, ...]:
    path: list[str] = []
    current: SelectionSetNode | None = selection_set
    while current is not None:
        fields = current.selections
        if len(fields) != 1 or not isinstance(fields[0], FieldNode) or fields[0].arguments:
            raise PlanningError(
                f"{where}: @fromContext selections other than one field path are not supported"
            )
        path.append(fields[0].name.value)
        current = fields[0].selection_set
    return tuple(path)


class Contexts:
    """Everything about the supergraph's contexts the planner needs, computed once."""

    def __init__(self, sg: Supergraph) -> None:
        self.sg = sg
        self.types = _context_types(sg)
        self._uses: dict[tuple[str, str, str], tuple[ContextUse, ...]] = {}
        self.fields = frozenset(
            (t.name, f.name)
            for t in sg.types.values()
            for f in t.fields.values()
            if any(info.context_arguments for info in f.per_graph.values())
        )

    def uses(self, parent: str, field: str, graph: str) -> tuple[ContextUse, ...]:
        """The contextual arguments of ``parent.field`` as ``graph`` resolves it."""
        key = (parent, field, graph)
        hit = self._uses.get(key)
        if hit is None:
            fd = self.sg.field(parent, field)
            entry = fd.per_graph.get(graph) if fd is not None else None
            args = entry.context_arguments if entry is not None else ()
            hit = tuple(self._use(parent, field, a) for a in args)
            self._uses[key] = hit
        return hit

    def _use(self, parent: str, field: str, arg: ContextArgument) -> ContextUse:
        digest = hashlib.sha1(f"{arg.context}\0{arg.selection}".encode()).hexdigest()[:8]
        key = f"{KEY_PREFIX}{digest}"
        where = f"{parent}.{field}({arg.name}:)"
        paths = tuple(
            (tc or holder, path[1:])
            for holder in self.types.get(arg.context, ())
            for tc, path in _paths(arg.selection, where)
            if tc is None or self._applies(tc, holder)
        )
        return ContextUse(arg.name, arg.type, ContextInput(f"{key}_{arg.name}", key, paths))

    def _applies(self, condition: str, holder: str) -> bool:
        return condition == holder or holder in self.sg.possible_types(condition)

    # ------------------------------------------------------------------ operation rewrite
    def add_selections(self, root: str, sels: SelectionSet) -> SelectionSet:
        """Add each context selection to the nearest ancestors able to hold it."""
        if not self.fields:
            return sels
        out, _ = self._walk(root, sels)
        return out

    def _walk(
        self, parent: str, sels: SelectionSet
    ) -> tuple[SelectionSet, dict[str, tuple[str, ...]]]:
        """(rewritten selections, context name → selection text still looking for a holder)."""
        pending: dict[str, tuple[str, ...]] = {}
        out: list[Selection] = []
        for sel in sels:
            if isinstance(sel, InlineFragment):
                inner, wanted = self._walk(sel.type_condition or parent, sel.selections)
                out.append(sel.with_selections(inner))
                pending.update(wanted)
                continue
            if (parent, sel.name) in self.fields or any(
                (t, sel.name) in self.fields for t in self.sg.possible_types(parent)
            ):
                for owner in (parent, *self.sg.possible_types(parent)):
                    fd = self.sg.field(owner, sel.name)
                    if fd is None:
                        continue
                    for info in fd.per_graph.values():
                        for arg in info.context_arguments:
                            pending[arg.context] = (arg.selection, owner, sel.name, arg.name)
            if sel.selections is None:
                out.append(sel)
                continue
            fd = self.sg.field(parent, sel.name)
            ftype = fd.type_name if fd is not None else parent
            inner, wanted = self._walk(ftype, sel.selections)
            held = {name: spec for name, spec in wanted.items() if self._holders(name, ftype)}
            if held:
                inner = inner + self._context_fields(ftype, held)
            for name, spec in wanted.items():
                if name not in held:
                    pending[name] = spec
            out.append(sel.with_selections(inner))
        return tuple(out), pending

    def _holders(self, context: str, type_name: str) -> tuple[str, ...]:
        possible = set(self.sg.possible_types(type_name)) | {type_name}
        return tuple(t for t in self.types.get(context, ()) if t in possible)

    def _context_fields(
        self, type_name: str, held: dict[str, tuple[str, ...]]
    ) -> tuple[Selection, ...]:
        out: list[Selection] = []
        for context, (selection, owner, field, arg_name) in sorted(held.items()):
            arg = ContextArgument(arg_name, "", context, selection)
            use = self._use(owner, field, arg)
            for holder in self._holders(context, type_name):
                for tc, path in _paths(selection, f"{owner}.{field}({arg_name}:)"):
                    if tc is not None and not self._applies(tc, holder):
                        continue
                    node = _field_chain(path, use.input.key)
                    if holder == type_name:
                        out.append(node)
                    else:
                        out.append(InlineFragment(holder, (node,)))
        return tuple(out)


def _field_chain(path: tuple[str, ...], alias: str) -> Field:
    node: Field | None = None
    for name in reversed(path[1:]):
        node = Field(name, None, (), (node,) if node is not None else None)
    return Field(path[0], alias, (), (node,) if node is not None else None)
