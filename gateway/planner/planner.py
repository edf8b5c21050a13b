"""The query planner: normalise → route root fields → fetch groups → plan nodes."""

from __future__ import annotations

import dataclasses

from graphql import DocumentNode

from gateway.operation.ir import (
    Defer,
    InlineFragment,
    Selection,
    SelectionSet,
    render_selections,
)
from gateway.operation.normalize import (
    NormalizedOperation,
    OperationError,
    has_defer,
    normalize,
    strip_defer,
)
from gateway.plan import PlanNode, QueryPlan, SequenceNode, SubscriptionNode
from gateway.planner.contexts import Contexts
from gateway.planner.defer import defers_in, extract_deferred
from gateway.planner.emit import Emitter, OperationPrinter, emit_with_defers
from gateway.planner.fetchgraph import FetchGraph
from gateway.planner.routed import JUMP_COST, RItem, has_jumps, items_cost
from gateway.planner.router import Router
from gateway.planner.selections import size
from gateway.ports import PlanningError
from gateway.supergraph.model import Supergraph


class FederatedPlanner:
    """Satisfies ``gateway.ports.QueryPlanner``; pure and deterministic."""

    def __init__(
        self, supergraph: Supergraph, max_steps: int = 100_000, max_seconds: float = 10.0
    ) -> None:
        self.sg = supergraph
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.contexts = Contexts(supergraph)

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        try:
            op = normalize(document, operation_name, self.sg.api_schema)
        except OperationError as exc:
            raise PlanningError(str(exc)) from None
        if not op.selections:
            return QueryPlan(None)
        if self.contexts.fields:
            op = dataclasses.replace(
                op, selections=self.contexts.add_selections(op.root_type, op.selections)
            )
        if has_defer(op.selections):
            if op.kind == "query":
                try:
                    return QueryPlan(self._deferred_query(op, override_labels))
                except (PlanningError, AssertionError):
                    pass  # not plannable apart: delivered at once (planner/defer.py)
            op = dataclasses.replace(op, selections=strip_defer(op.selections))
        router = self._router(op, override_labels)
        if op.kind == "mutation":
            return QueryPlan(self._mutation(router, op))
        if op.kind == "subscription":
            return QueryPlan(self._subscription(router, op))
        assignment = self._root(router, op.root_type, op.selections)
        if self._has_shareable_root_field(op.selections, op.root_type, router.labels):
            # Apollo's alternative: a shareable root field queried from several subgraphs in
            # parallel rather than joined through a key afterwards; keep the cheaper.
            split = Router(
                self.sg,
                router.labels,
                self.max_steps,
                self.max_seconds,
                taken=router.taken,
                split_roots=True,
                contexts=self.contexts,
            )
            try:
                other = self._root(split, op.root_type, op.selections)
            except PlanningError:
                other = None
            if other is not None and self._cost(other) < self._cost(assignment):
                assignment = other
        return QueryPlan(self._emit(op, [assignment]))

    def _router(self, op: NormalizedOperation, override_labels: frozenset[str]) -> Router:
        return Router(
            self.sg,
            frozenset(override_labels) & self.sg.all_labels,
            self.max_steps,
            self.max_seconds,
            taken=frozenset(aliases_in(op.selections)),
            contexts=self.contexts,
        )

    # ------------------------------------------------------------------ @defer
    def _deferred_query(
        self, op: NormalizedOperation, override_labels: frozenset[str]
    ) -> PlanNode | None:
        """A query whose deferred fragments get fetches of their own: the root-level ones
        root fetches, the others entity fetches from the nearest entity (the router)."""
        router = self._router(op, override_labels)
        primary, pending = extract_deferred(op.selections)
        deferred: list[tuple[Defer, list[tuple[str, tuple[RItem, ...]]]]] = []
        while pending:
            defer, content = pending.pop(0)
            rest, inner = extract_deferred(content)  # deferred right inside: their own roots
            pending.extend(inner)
            if rest:
                deferred.append((defer, self._root(router, op.root_type, rest)))
        assignment = self._root(router, op.root_type, primary) if primary else []
        printer = OperationPrinter(self.sg, op.variable_definitions, op.name, op.directives)
        fg = FetchGraph(self._field_type, op.root_type)
        roots = [fg.add_root(graph, items) for graph, items in assignment]
        for defer, parts in deferred:
            for graph, items in parts:
                fg.add_root(graph, items, defer)
        fg.merge_siblings()
        fg.reduce_dependencies()
        return emit_with_defers(fg, printer, op.kind, roots, defers_in(op.selections))

    # ------------------------------------------------------------------ roots
    def _root_graphs(self, root_type: str) -> list[str]:
        return self.sg.ordered(self.sg.types[root_type].per_graph)

    def _root(
        self, router: Router, root_type: str, sels: SelectionSet
    ) -> list[tuple[str, tuple[RItem, ...]]]:
        """Cover the root selections with as few, as cheap root fetches as possible."""
        graphs = self._root_graphs(root_type)
        best: tuple[float, list[tuple[str, tuple[RItem, ...]]]] | None = None
        for first in graphs:
            r = router.route(first, root_type, sels, None, frozenset({first}))
            if size(sels) - size(r.missing) <= 0:
                continue
            chosen = [(first, r.items)]
            total = JUMP_COST + r.cost
            remaining = r.missing
            used = {first}
            while remaining:
                pick = None
                for g in graphs:
                    if g in used:
                        continue
                    rg = router.route(g, root_type, remaining, None, frozenset({g}))
                    covered = size(remaining) - size(rg.missing)
                    if covered <= 0:
                        continue
                    score = (-covered, rg.cost)
                    if pick is None or score < pick[0]:
                        pick = (score, g, rg)
                if pick is None:
                    break
                _, g, rg = pick
                chosen.append((g, rg.items))
                total += JUMP_COST + rg.cost
                remaining = rg.missing
                used.add(g)
            if remaining:
                continue
            if best is None or total < best[0]:
                best = (total, chosen)
        if best is None:
            raise PlanningError(self._unplannable(router, root_type, sels))
        return best[1]

    def _has_shareable_root_field(
        self, sels: SelectionSet, root_type: str, labels: frozenset[str]
    ) -> bool:
        for sel in sels:
            if isinstance(sel, InlineFragment):
                if self._has_shareable_root_field(sel.selections, root_type, labels):
                    return True
                continue
            fd = self.sg.field(root_type, sel.name)
            if fd is not None and sel.selections and len(fd.resolvers(labels)) > 1:
                return True
        return False

    @staticmethod
    def _cost(assignment: list[tuple[str, tuple[RItem, ...]]]) -> float:
        return sum(JUMP_COST + items_cost(items) for _, items in assignment)

    def _unplannable(self, router: Router, root_type: str, sels: SelectionSet) -> str:
        smallest = sels
        for g in self._root_graphs(root_type):
            r = router.route(g, root_type, sels, None, frozenset({g}))
            if size(r.missing) < size(smallest):
                smallest = r.missing
        return (
            "Cannot plan the operation: no subgraph path resolves "
            f"{{{render_selections(smallest)}}} on {root_type}"
        )

    def _single(
        self, router: Router, root_type: str, sels: SelectionSet, prefer: str | None
    ) -> tuple[str, tuple[RItem, ...]]:
        """Route ``sels`` wholly from one graph's root (mutations, subscriptions)."""
        options: list[tuple[tuple[int, float, str], str, tuple[RItem, ...]]] = []
        for g in self._root_graphs(root_type):
            r = router.route(g, root_type, sels, None, frozenset({g}))
            if not r.missing:
                options.append(((0 if g == prefer else 1, r.cost, g), g, r.items))
        if not options:
            raise PlanningError(self._unplannable(router, root_type, sels))
        _, g, items = min(options, key=lambda o: o[0])
        return g, items

    def _mutation(self, router: Router, op: NormalizedOperation) -> PlanNode | None:
        """Root fields in order; consecutive fields of one subgraph share a fetch unless a
        field has follow-up fetches, which must finish before the next field runs."""
        chunks: list[list[tuple[str, tuple[RItem, ...]]]] = []
        prev: str | None = None
        pending: list[Selection] = []
        pending_jumps = False
        for sel in op.selections:
            g, items = self._single(router, op.root_type, (sel,), prev)
            if pending and (g != prev or pending_jumps):
                chunks.append([self._single(router, op.root_type, tuple(pending), prev)])
                pending = []
            pending.append(sel)
            pending_jumps = has_jumps(items)
            prev = g
        if pending:
            chunks.append([self._single(router, op.root_type, tuple(pending), prev)])
        return self._emit(op, chunks)

    def _subscription(self, router: Router, op: NormalizedOperation) -> PlanNode | None:
        graph, items = self._single(router, op.root_type, op.selections, None)
        fg = FetchGraph(self._field_type, op.root_type)
        root = fg.add_root(graph, items)
        fg.merge_siblings()
        fg.reduce_dependencies()
        printer = OperationPrinter(self.sg, op.variable_definitions, op.name, op.directives)
        emitter = Emitter(fg, printer, op.kind)
        primary = printer.fetch(root, op.kind)
        emitter.scheduled.add(root.id)
        rest = emitter.emit([g for g in fg.groups.values() if g.deps == {root.id}])
        return SubscriptionNode(primary, rest)

    # ------------------------------------------------------------------ emission
    def _field_type(self, parent: str, field_name: str) -> str:
        fd = self.sg.field(parent, field_name)
        return fd.type_name if fd else "String"

    def _emit(
        self, op: NormalizedOperation, chunks: list[list[tuple[str, tuple[RItem, ...]]]]
    ) -> PlanNode | None:
        printer = OperationPrinter(self.sg, op.variable_definitions, op.name, op.directives)
        nodes: list[PlanNode] = []
        for chunk in chunks:
            fg = FetchGraph(self._field_type, op.root_type)
            roots = [fg.add_root(graph, items) for graph, items in chunk]
            fg.merge_siblings()
            fg.reduce_dependencies()
            node = Emitter(fg, printer, op.kind).emit(roots)
            if node is not None:
                nodes.append(node)
        if not nodes:
            return None
        if len(nodes) == 1:
            return nodes[0]
        flat: list[PlanNode] = []
        for n in nodes:
            flat.extend(n.nodes if isinstance(n, SequenceNode) else (n,))
        return SequenceNode(tuple(flat))


def aliases_in(sels: SelectionSet) -> set[str]:
    """Aliases that name a field differently from the alias (``upc: name`` → ``upc``)."""
    out: set[str] = set()
    for sel in sels:
        if isinstance(sel, InlineFragment):
            out |= aliases_in(sel.selections)
            continue
        if sel.alias is not None and sel.alias != sel.name:
            out.add(sel.alias)
        if sel.selections:
            out |= aliases_in(sel.selections)
    return out
