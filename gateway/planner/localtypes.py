"""What a subgraph really returns at a field: its own type, and the members a client can get.

A field's type may differ per subgraph (``@join__field(type:)``): ``report: FeedMedia`` in the
supergraph may be ``report: Report`` in one subgraph. That subgraph's fetch is written against
its own type, so fragments on members it lacks are never sent (its validation would reject
them and null the field).

A ``@shareable`` field returning an abstract type may be answered by any of its subgraphs;
composition asks them to resolve it "the same way", so the objects a client can receive are
the members *every* candidate subgraph can return. Fragments on other members select nothing,
whichever subgraph the planner picks, so the plan does not depend on that choice.
"""

from __future__ import annotations

from gateway.operation.ir import Field, Selection, SelectionSet
from gateway.supergraph.model import FieldDef, Supergraph


def named_type(type_ref: str) -> str:
    """``[Report!]!`` → ``Report``."""
    return type_ref.replace("[", "").replace("]", "").replace("!", "").strip()


def local_type(fd: FieldDef, graph: str) -> str:
    """The named type ``graph`` declares for ``fd`` (the supergraph's when it gives none)."""
    entry = fd.per_graph.get(graph)
    if entry is None or not entry.local_type:
        return fd.type_name
    return named_type(entry.local_type)


class SharedRuntimeTypes:
    """Memoised intersection of the runtime types of a shareable abstract field."""

    def __init__(self, sg: Supergraph, labels: frozenset[str]) -> None:
        self.sg = sg
        self.labels = labels
        self._memo: dict[tuple[str, str], frozenset[str] | None] = {}

    def allowed(self, fd: FieldDef, graph: str) -> frozenset[str] | None:
        """Object types a client can receive at ``fd`` when ``graph`` answers it, or None when
        no restriction applies (one resolver, a concrete type, or ``graph`` not a resolver)."""
        key = (fd.parent, fd.name)
        if key in self._memo:
            allowed = self._memo[key]
        else:
            allowed = self._compute(fd)
            self._memo[key] = allowed
        if allowed is None or graph not in fd.resolvers(self.labels):
            return None
        return allowed

    def _compute(self, fd: FieldDef) -> frozenset[str] | None:
        sg = self.sg
        t = sg.types.get(fd.type_name)
        if t is None or not t.is_abstract:
            return None
        graphs = fd.resolvers(self.labels)
        if len(graphs) < 2:
            return None
        allowed: frozenset[str] | None = None
        for g in graphs:
            own = local_type(fd, g)
            if sg.is_interface_object(g, own):
                continue  # that graph cannot tell the concrete types apart
            types = frozenset(sg.possible_types_in(g, own))
            allowed = types if allowed is None else allowed & types
        if allowed is None or allowed == frozenset(t.possible_types):
            return None
        return allowed


def restrict(
    sg: Supergraph, sels: SelectionSet, allowed: frozenset[str], position: str
) -> SelectionSet:
    """Drop fragments that can only match object types outside ``allowed``."""
    out: list[Selection] = []
    changed = False
    for sel in sels:
        if isinstance(sel, Field):
            out.append(sel)
            continue
        tc = sel.type_condition
        if tc is not None and tc != position:
            possible = frozenset(sg.possible_types(tc))
            if not possible & allowed:
                changed = True
                continue
        inner = restrict(sg, sel.selections, allowed, tc or position)
        if inner is not sel.selections:
            changed = True
            if not inner:
                continue
            sel = sel.with_selections(inner)
        out.append(sel)
    return tuple(out) if changed else sels
