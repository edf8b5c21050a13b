"""What a subgraph really returns at a field: its own type, and the members a client can get.

A field's type may differ per subgraph (``@join__field(type:)``): ``report: FeedMedia`` in the
supergraph may be ``report: Report`` in one subgraph. That subgraph's fetch is written against
its own type, so fragments on members it lacks are never sent (its validation would reject
them and null the field).

A ``@shareable`` field returning an abstract type may be answered by any of its subgraphs;
composition asks them to resolve it "the same way" (hint
``INCONSISTENT_RUNTIME_TYPES_FOR_SHAREABLE_RETURN``). Along a path that several subgraphs can
answer alike from a shared root (``shared { wrapper { steps } }`` with every field shareable),
the members a client can receive are those *every* such candidate can return: fragments on
other members select nothing, whichever subgraph the planner picks. Where the path is one
subgraph's own (``rootA { wrapper { steps } }`` with ``rootA`` only there), that subgraph's
members all stay — reaching another subgraph would take an entity jump, which is a choice of
plan, not a second answer to the same path.
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


class PeerGraphs:
    """Which other graphs answer the same path alike, and the members they all can return."""

    def __init__(self, sg: Supergraph, labels: frozenset[str]) -> None:
        self.sg = sg
        self.labels = labels
        self._members: dict[tuple[str, str, frozenset[str]], frozenset[str] | None] = {}

    def of_field(self, graph: str, fd: FieldDef, peers: frozenset[str]) -> frozenset[str]:
        """The peers (other than ``graph``) that resolve ``fd`` directly too."""
        out = []
        for g in peers:
            if g == graph or not fd.resolves(g, self.labels):
                continue
            entry = fd.per_graph.get(g)
            if entry is not None and (entry.requires or entry.context_arguments):
                continue  # not answerable there without another fetch first
            out.append(g)
        return frozenset(out)

    def common_members(self, fd: FieldDef, graphs: frozenset[str]) -> frozenset[str] | None:
        """Object types every graph of ``graphs`` can return at ``fd`` (None: not abstract)."""
        key = (fd.parent, fd.name, graphs)
        if key in self._members:
            return self._members[key]
        sg = self.sg
        result: frozenset[str] | None = None
        t = sg.types.get(fd.type_name)
        if t is not None and t.is_abstract:
            for g in graphs:
                own = local_type(fd, g)
                if sg.is_interface_object(g, own):
                    continue  # that graph cannot tell the concrete types apart
                types = frozenset(sg.possible_types_in(g, own))
                result = types if result is None else result & types
        self._members[key] = result
        return result
