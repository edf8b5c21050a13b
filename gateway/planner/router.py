"""Selection routing: which graph fetches which part of a selection, and where to jump.

``Router.route(graph, type, selections)`` returns what ``graph`` can fetch at that position
(with entity jumps to other graphs for the rest, when the type has keys) and what it cannot
(``missing``), which the caller re-routes one level up — at the nearest entity ancestor or at
the root. Results are memoised per (graph, type, selection, context); the search is bounded
by a step budget.
"""

from __future__ import annotations

import time

from gateway.operation.ir import TYPENAME, Field, InlineFragment, Selection, SelectionSet
from gateway.operation.merge import merge_selections
from gateway.planner.jumps import EntityJumps, JumpTarget
from gateway.planner.routed import RField, RFragment, RItem, Routed, items_cost
from gateway.planner.selections import (
    applies_to,
    provided_for,
    provided_narrowed,
    representation_conflict,
)
from gateway.ports import PlanningError
from gateway.supergraph.model import FieldDef, Supergraph

DROPPED_FRAGMENT_PENALTY = 50.0
_TYPENAME_ITEM = RField(Field(TYPENAME), "String", 0)


class Router(EntityJumps):
    def __init__(
        self,
        sg: Supergraph,
        labels: frozenset[str],
        max_steps: int = 100_000,
        max_seconds: float = 10.0,
        taken: frozenset[str] = frozenset(),
        split_roots: bool = False,
    ):
        self.sg = sg
        # response keys the client gives to other fields (aliases): internal fields avoid them
        self.taken = taken
        self.split_roots = split_roots
        self.query_root = sg.root_types.get("query")
        self.labels = labels
        self.max_steps = max_steps
        self.deadline = time.monotonic() + max_seconds
        self.steps = 0
        self.memo: dict[tuple[object, ...], Routed] = {}
        self.active: set[tuple[object, ...]] = set()
        self.targets: dict[str, tuple[JumpTarget, ...]] = {}

    # ------------------------------------------------------------------ entry
    def route(
        self,
        graph: str,
        type_name: str,
        sels: SelectionSet,
        provided: SelectionSet | None = None,
        chain: frozenset[str] = frozenset(),
        no_jump: bool = False,
        entry: bool = False,
    ) -> Routed:
        key = (graph, type_name, sels, provided, chain, no_jump, entry)
        hit = self.memo.get(key)
        if hit is not None:
            return hit
        if key in self.active:
            # A cycle (e.g. a requirement needing itself): nothing is resolvable this way.
            return Routed((), sels, (), float("inf"))
        self.steps += 1
        if self.steps > self.max_steps or (
            self.steps % 256 == 0 and time.monotonic() > self.deadline
        ):
            raise PlanningError("query planning exceeded its work budget")
        self.active.add(key)
        try:
            if self.sg.is_abstract_in(graph, type_name):
                result = self._abstract(graph, type_name, sels, provided, chain, no_jump, entry)
            else:
                result = self._concrete(graph, type_name, sels, provided, chain, no_jump, entry)
        finally:
            self.active.discard(key)
        self.memo[key] = result
        return result

    # ------------------------------------------------------------------ fields
    def _field_here(
        self,
        graph: str,
        type_name: str,
        fd: FieldDef,
        provided: SelectionSet | None,
    ) -> tuple[bool, SelectionSet | None, SelectionSet | None]:
        """(resolvable here, requires, provided subselection or the graph's own provides)."""
        is_prov, prov_sub = provided_for(self.sg, provided, type_name, fd.name)
        if is_prov:
            return True, None, prov_sub
        if not fd.resolves(graph, self.labels):
            return False, None, None
        entry = fd.per_graph.get(graph)
        if entry is None:
            return True, None, None
        return True, entry.requires, entry.provides

    def _sub(
        self,
        graph: str,
        sel: Field,
        fd: FieldDef,
        provides: SelectionSet | None,
        no_jump: bool = False,
    ) -> tuple[RField | None, SelectionSet]:
        """Route a field's subselection in ``graph``: (local field or None, missing part)."""
        if sel.selections is None:
            return RField(sel, fd.type_name, fd.list_depth), ()
        r = self.route(graph, fd.type_name, sel.selections, provides, frozenset({graph}), no_jump)
        items, missing = r.items, r.missing
        if missing and fd.type_name == self.sg.root_types.get("query"):
            jumps, missing = self._root_jumps(graph, fd.type_name, missing)
            items = items + tuple(jumps)
        local = None
        if items or not missing:
            local = RField(sel, fd.type_name, fd.list_depth, items or (_TYPENAME_ITEM,))
        return local, missing

    # ------------------------------------------------------------------ objects
    def _concrete(
        self,
        graph: str,
        type_name: str,
        sels: SelectionSet,
        provided: SelectionSet | None,
        chain: frozenset[str],
        no_jump: bool,
        entry: bool,
    ) -> Routed:
        sg = self.sg
        local: list[RItem] = []
        missing: list[Selection] = []
        requires: list[Selection] = []
        penalty = 0.0
        iface_obj = sg.is_interface_object(graph, type_name)
        need_typename = False
        for sel in sels:
            if isinstance(sel, Field):
                if sel.name == TYPENAME:
                    if iface_obj:
                        missing.append(sel)
                    else:
                        local.append(RField(sel, "String", 0))
                    continue
                fd = sg.field(type_name, sel.name)
                if fd is None:
                    missing.append(sel)
                    continue
                ok, req, provides = self._field_here(graph, type_name, fd, provided)
                if ok and req:
                    if entry and not representation_conflict(tuple(requires), req):
                        requires.extend(req)
                    else:
                        # outside an entity entry (or clashing with another requirement in
                        # the same representation) the field needs an entity fetch of its own
                        ok = False
                if not ok:
                    missing.append(sel)
                    continue
                # With split roots, a root field's entity leaves what it cannot resolve to
                # other subgraphs' root fetches (in parallel) instead of joining through keys.
                split = (
                    self.split_roots
                    and type_name == self.query_root
                    and len(fd.resolvers(self.labels)) > 1
                )
                lf, miss = self._sub(graph, sel, fd, provides, no_jump=split)
                if lf is not None:
                    local.append(lf)
                if miss:
                    missing.append(sel.with_selections(miss))
                continue
            tc = sel.type_condition
            if applies_to(sg, tc, type_name):
                r = self.route(graph, type_name, sel.selections, provided, chain, True, entry)
            elif iface_obj and tc in sg.possible_types(type_name):
                # This graph only knows the interface: the real type is learnt elsewhere
                # first, then only objects of that type come back here (as Apollo does,
                # so nothing is fetched for objects the fragment filters out).
                missing.append(sel)
                need_typename = True
                continue
            else:
                penalty += DROPPED_FRAGMENT_PENALTY
                continue
            narrowed = None if applies_to(sg, tc, type_name) else tc
            if r.items:
                if sel.conditions:
                    local.append(RFragment(None, sel.conditions, r.items))
                else:
                    local.extend(r.items)
            if r.missing:
                missing.append(InlineFragment(narrowed, r.missing, sel.conditions))
            if r.requires:
                if sel.conditions:
                    requires.append(InlineFragment(None, r.requires, sel.conditions))
                else:
                    requires.extend(r.requires)
            penalty += r.cost - items_cost(r.items)
        if need_typename and not entry:
            # entered through _entities, the object's real type is already known
            missing.append(Field(TYPENAME))
        missing_set = merge_selections(missing)
        if not no_jump:
            local, missing_set = self._joins(graph, type_name, local, missing_set, provided, chain)
        items = tuple(local)
        return Routed(items, missing_set, merge_selections(requires), items_cost(items) + penalty)

    # ------------------------------------------------------------------ abstract types
    def _uniform(
        self,
        graph: str,
        itf: str,
        fd: FieldDef,
        runtime: tuple[str, ...],
        provided: SelectionSet | None,
    ) -> bool:
        ok, req, _ = self._field_here(graph, itf, fd, provided)
        if not ok or req:
            return False
        for t in runtime:
            tfd = self.sg.field(t, fd.name)
            if tfd is None:
                return False
            ok, req, _ = self._field_here(graph, t, tfd, provided_narrowed(self.sg, provided, t))
            if not ok or req:
                return False
        return True

    def _abstract(
        self,
        graph: str,
        type_name: str,
        sels: SelectionSet,
        provided: SelectionSet | None,
        chain: frozenset[str],
        no_jump: bool,
        entry: bool,
    ) -> Routed:
        sg = self.sg
        runtime = sg.possible_types_in(graph, type_name)
        local: list[RItem] = []
        missing: list[Selection] = []
        requires: list[Selection] = []
        per_type: dict[str, list[Selection]] = {t: [] for t in runtime}
        penalty = 0.0
        for sel in sels:
            if isinstance(sel, Field):
                if sel.name == TYPENAME:
                    local.append(RField(sel, "String", 0))
                    continue
                fd = sg.field(type_name, sel.name)
                if fd is not None and self._uniform(graph, type_name, fd, runtime, provided):
                    _, _, provides = self._field_here(graph, type_name, fd, provided)
                    lf, miss = self._sub(graph, sel, fd, provides)
                    if not miss and lf is not None:
                        local.append(lf)
                        continue
                for t in runtime:
                    per_type[t].append(sel)
                continue
            tc = sel.type_condition
            if tc is None or tc == type_name:
                # abstract positions never jump themselves: the concrete types inside do
                r = self.route(graph, type_name, sel.selections, provided, chain, no_jump, entry)
                if r.items:
                    local.append(RFragment(None, sel.conditions, r.items))
                if r.missing:
                    missing.append(InlineFragment(None, r.missing, sel.conditions))
                if r.requires:
                    requires.append(InlineFragment(None, r.requires, sel.conditions))
                continue
            matched = False
            for t in runtime:
                if applies_to(sg, tc, t):
                    per_type[t].append(sel)
                    matched = True
            if not matched:
                penalty += DROPPED_FRAGMENT_PENALTY
        for t in runtime:
            if not per_type[t]:
                continue
            # Entering an abstract entity (from an @interfaceObject) reveals the concrete
            # type, so jumps from the concrete types are new options — even back to the
            # graph we came from — not a detour.
            r = self.route(
                graph,
                t,
                merge_selections(per_type[t]),
                provided_narrowed(sg, provided, t),
                frozenset() if entry else chain,
                no_jump and not entry,
                entry,
            )
            if r.items:
                local.append(RFragment(t, (), r.items))
            if r.missing:
                missing.append(InlineFragment(t, r.missing))
            if r.requires:
                requires.append(InlineFragment(t, r.requires))
            penalty += r.cost - items_cost(r.items)
        items = tuple(local)
        return Routed(
            items,
            merge_selections(missing),
            merge_selections(requires),
            items_cost(items) + penalty,
        )
