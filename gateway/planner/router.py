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
from gateway.planner.contexts import Contexts, ContextUse
from gateway.planner.jumps import EntityJumps, JumpTarget
from gateway.planner.localtypes import PeerGraphs, local_type, restrict
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
        contexts: Contexts | None = None,
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
        self.peers = PeerGraphs(sg, labels)
        self.contexts = contexts if contexts is not None else Contexts(sg)

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
        peers: frozenset[str] = frozenset(),
    ) -> Routed:
        """``peers``: other graphs that could answer this same position along the same path
        (shareable fields from a shared root); their common members bound abstract fields."""
        key = (graph, type_name, sels, provided, chain, no_jump, entry, peers)
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
                result = self._abstract(
                    graph, type_name, sels, provided, chain, no_jump, entry, peers
                )
            else:
                result = self._concrete(
                    graph, type_name, sels, provided, chain, no_jump, entry, peers
                )
        finally:
            self.active.discard(key)
        self.memo[key] = result
        return result

    def _root_peers(self, type_name: str) -> frozenset[str]:
        """Every graph can start a path at the query root (a shareable root field)."""
        if type_name != self.query_root:
            return frozenset()
        return frozenset(self.sg.types[type_name].per_graph)

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
        peers: frozenset[str] = frozenset(),
    ) -> tuple[RField | None, SelectionSet]:
        """Route a field's subselection in ``graph``: (local field or None, missing part)."""
        if sel.selections is None:
            return RField(sel, fd.type_name, fd.list_depth), ()
        sels = sel.selections
        peers = self.peers.of_field(graph, fd, peers)
        if peers:
            allowed = self.peers.common_members(fd, peers | {graph})
            if allowed is not None:
                sels = restrict(self.sg, sels, allowed, fd.type_name)
        own = local_type(fd, graph)
        if own != fd.type_name and self.sg.has_type(graph, own):
            # the subgraph's own (narrower) type: its fetch carries only what it knows there
            sels = restrict(self.sg, sels, frozenset(self.sg.possible_types(own)), fd.type_name)
            r = self.route(
                graph,
                own,
                _onto(sels, fd.type_name, own),
                provides,
                frozenset({graph}),
                no_jump,
                peers=peers,
            )
            items, missing = r.items, r.missing
            if items:
                items = (RFragment(own, (), items),)
            if missing:
                missing = (InlineFragment(own, missing),)
        else:
            r = self.route(
                graph, fd.type_name, sels, provides, frozenset({graph}), no_jump, peers=peers
            )
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
        peers: frozenset[str],
    ) -> Routed:
        sg = self.sg
        local: list[RItem] = []
        missing: list[Selection] = []
        requires: list[Selection] = []
        contexts: list[ContextUse] = []
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
                if ok and (type_name, sel.name) in self.contexts.fields:
                    uses = self.contexts.uses(type_name, sel.name, graph)
                    if uses and not entry:
                        ok = False  # its arguments come from the gateway: an entity fetch
                    elif uses:
                        contexts.extend(uses)
                        sel = _with_context_arguments(sel, uses)
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
                lf, miss = self._sub(
                    graph,
                    sel,
                    fd,
                    provides,
                    no_jump=split,
                    peers=peers or self._root_peers(type_name),
                )
                if lf is not None:
                    local.append(lf)
                if miss:
                    missing.append(sel.with_selections(miss))
                continue
            tc = sel.type_condition
            if sel.defer is not None and applies_to(sg, tc, type_name):
                missing.append(sel)  # fetched by entity fetches of its own (planner/defer.py)
                continue
            if applies_to(sg, tc, type_name):
                r = self.route(
                    graph, type_name, sel.selections, provided, chain, True, entry, peers
                )
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
            contexts.extend(r.contexts)
            penalty += r.cost - items_cost(r.items)
        if need_typename and not entry:
            # entered through _entities, the object's real type is already known
            missing.append(Field(TYPENAME))
        missing_set = merge_selections(missing)
        if not no_jump:
            local, missing_set = self._joins(graph, type_name, local, missing_set, provided, chain)
        items = tuple(local)
        return Routed(
            items,
            missing_set,
            merge_selections(requires),
            items_cost(items) + penalty,
            _unique(contexts),
        )

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
        if self.contexts.fields and any(
            (t, fd.name) in self.contexts.fields for t in (itf, *runtime)
        ):
            return False  # fetched per type, through _entities with its context arguments
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
        peers: frozenset[str],
    ) -> Routed:
        sg = self.sg
        runtime = sg.possible_types_in(graph, type_name)
        local: list[RItem] = []
        missing: list[Selection] = []
        requires: list[Selection] = []
        per_type: dict[str, list[Selection]] = {t: [] for t in runtime}
        exploded: list[Field] = []
        contexts: list[ContextUse] = []
        penalty = 0.0
        for sel in sels:
            if isinstance(sel, Field):
                if sel.name == TYPENAME:
                    local.append(RField(sel, "String", 0))
                    continue
                fd = sg.field(type_name, sel.name)
                if fd is not None and self._uniform(graph, type_name, fd, runtime, provided):
                    _, _, provides = self._field_here(graph, type_name, fd, provided)
                    lf, miss = self._sub(graph, sel, fd, provides, peers=peers)
                    if not miss and lf is not None:
                        local.append(lf)
                        continue
                if not runtime:
                    # no object this graph returns here can resolve it: not answerable here
                    # (an interface without implementations in this graph)
                    missing.append(sel)
                    continue
                exploded.append(sel)
                for t in runtime:
                    per_type[t].append(sel)
                continue
            tc = sel.type_condition
            if sel.defer is not None and (tc is None or tc == type_name):
                # deferred on the abstract type: each concrete type jumps for it
                if not runtime:
                    missing.append(sel)
                for t in runtime:
                    per_type[t].append(InlineFragment(t, sel.selections, sel.conditions, sel.defer))
                continue
            if tc is None or tc == type_name:
                # abstract positions never jump themselves: the concrete types inside do
                r = self.route(
                    graph, type_name, sel.selections, provided, chain, no_jump, entry, peers
                )
                if r.items:
                    local.append(RFragment(None, sel.conditions, r.items))
                if r.missing:
                    missing.append(InlineFragment(None, r.missing, sel.conditions))
                if r.requires:
                    requires.append(InlineFragment(None, r.requires, sel.conditions))
                contexts.extend(r.contexts)
                continue
            matched = False
            for t in runtime:
                if applies_to(sg, tc, t):
                    per_type[t].append(sel)
                    matched = True
            if not matched:
                penalty += DROPPED_FRAGMENT_PENALTY
        parts = self._per_type(graph, runtime, per_type, provided, chain, no_jump, entry, peers)
        failed = _incomplete(exploded, parts)
        if failed:
            # One client field on the interface is one selection: its per-type parts all come
            # from this path (key jumps from each type allowed) or the field is missing here
            # as a whole — never half from here and half from another subgraph's answer.
            for t in runtime:
                per_type[t] = [s for s in per_type[t] if s not in failed]
            missing.extend(failed)
            parts = self._per_type(graph, runtime, per_type, provided, chain, no_jump, entry, peers)
        for t, r in parts:
            if r.items:
                local.append(RFragment(t, (), r.items))
            if r.missing:
                missing.append(InlineFragment(t, r.missing))
            if r.requires:
                requires.append(InlineFragment(t, r.requires))
            contexts.extend(r.contexts)
            penalty += r.cost - items_cost(r.items)
        items = tuple(local)
        return Routed(
            items,
            merge_selections(missing),
            merge_selections(requires),
            items_cost(items) + penalty,
            _unique(contexts),
        )

    def _per_type(
        self,
        graph: str,
        runtime: tuple[str, ...],
        per_type: dict[str, list[Selection]],
        provided: SelectionSet | None,
        chain: frozenset[str],
        no_jump: bool,
        entry: bool,
        peers: frozenset[str],
    ) -> list[tuple[str, Routed]]:
        out: list[tuple[str, Routed]] = []
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
                provided_narrowed(self.sg, provided, t),
                frozenset() if entry else chain,
                no_jump and not entry,
                entry,
                peers,
            )
            out.append((t, r))
        return out


def _incomplete(exploded: list[Field], parts: list[tuple[str, Routed]]) -> list[Field]:
    """Exploded interface fields some type could not resolve (wholly) on this path."""
    if not exploded:
        return []
    keys = {sel.response_key for sel in exploded}
    bad: set[str] = set()
    for _, r in parts:
        for miss in r.missing:
            if isinstance(miss, Field) and miss.response_key in keys:
                bad.add(miss.response_key)
    return [sel for sel in exploded if sel.response_key in bad]


def _onto(sels: SelectionSet, supergraph_type: str, own: str) -> SelectionSet:
    """Fragments on the supergraph's (wider) type apply as they are to the subgraph's type."""
    out: list[Selection] = []
    for sel in sels:
        if isinstance(sel, InlineFragment) and sel.type_condition == supergraph_type:
            out.append(InlineFragment(None, sel.selections, sel.conditions, sel.defer))
        else:
            out.append(sel)
    return tuple(out)


def _with_context_arguments(sel: Field, uses: tuple[ContextUse, ...]) -> Field:
    """``amount`` → ``amount(currency: $ctx__…_currency)`` (the gateway binds the variable)."""
    args = tuple(a for a in sel.arguments if a[0] not in {u.argument for u in uses})
    args += tuple((u.argument, "$" + u.input.variable) for u in uses)
    variables = sel.variables | {u.input.variable for u in uses}
    return Field(sel.name, sel.alias, args, sel.selections, variables, sel.directives)


def _unique(uses: list[ContextUse]) -> tuple[ContextUse, ...]:
    seen: dict[str, ContextUse] = {}
    for use in uses:
        seen.setdefault(use.input.variable, use)
    return tuple(seen.values())
