"""Entity jumps: covering what a graph cannot resolve at an entity with other graphs.

Mixed into ``Router``: candidates are graphs with a resolvable key for the type (or for one of
its interfaces as ``@interfaceObject``); the cheapest per covered field wins, greedily; the
key and any ``@requires`` inputs are routed from the current graph first.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.operation.ir import Defer, Field, InlineFragment, Selection, SelectionSet
from gateway.operation.merge import merge_selections
from gateway.planner.defer import deferred_again, extract_deferred
from gateway.planner.routed import JUMP_COST, RField, RFragment, RItem, RJump, Routed, items_cost
from gateway.planner.selections import size
from gateway.supergraph.model import Key, Supergraph


@dataclass(frozen=True, slots=True)
class JumpTarget:
    graph: str
    entity_type: str
    rewrite_typename: bool
    keys: tuple[Key, ...]


class EntityJumps:
    """Jump planning for ``Router`` (which provides ``route`` and the state below)."""

    sg: Supergraph
    labels: frozenset[str]
    taken: frozenset[str]
    targets: dict[str, tuple[JumpTarget, ...]]

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
        raise NotImplementedError

    def _root_jumps(
        self, graph: str, root: str, missing: SelectionSet
    ) -> tuple[list[RItem], SelectionSet]:
        """A field returning the query root: other subgraphs' roots answer the rest."""
        jumps: list[RItem] = []
        for other in self.sg.ordered(self.sg.types[root].per_graph):
            if other == graph or not missing:
                continue
            r = self.route(other, root, missing, None, frozenset({other}))
            if size(missing) - size(r.missing) <= 0:
                continue
            jumps.append(RJump(other, root, root, (), (), (), r.items, root=True))
            missing = r.missing
        return jumps, missing

    def _joins(
        self,
        graph: str,
        type_name: str,
        local: list[RItem],
        missing: SelectionSet,
        provided: SelectionSet | None,
        chain: frozenset[str],
    ) -> tuple[list[RItem], SelectionSet]:
        """Cover ``missing`` by entity jumps from here. Fields that join elsewhere right below
        this object may instead move whole into this object's join when that is cheaper
        (one fetch with a nested key rather than one per child entity)."""
        jumps: list[RItem] = []
        left = missing
        if missing:
            jumps, left = self._jump(graph, type_name, missing, provided, chain)
        best = (local + jumps, left)
        movable = [
            item for item in local if isinstance(item, RField) and item.items and _joins_below(item)
        ]
        if not movable or not self._targets(type_name):
            return best
        moved = merge_selections([*missing, *(_as_selection(item) for item in movable)])
        alt_jumps, alt_left = self._jump(graph, type_name, moved, provided, chain)
        if size(alt_left) > size(left):
            return best
        kept = [item for item in local if not any(item is m for m in movable)]
        alternative = (kept + alt_jumps, alt_left)
        if items_cost(tuple(alternative[0])) < items_cost(tuple(best[0])):
            return alternative
        return best

    # ------------------------------------------------------------------ entity jumps
    def _protect(self, sels: SelectionSet) -> SelectionSet:
        """Alias key/required fields whose name the client uses as an alias elsewhere, so
        the parent fetch can select both (the representation reads the alias)."""
        if not self.taken:
            return sels
        out: list[Selection] = []
        for sel in sels:
            if isinstance(sel, InlineFragment):
                out.append(sel.with_selections(self._protect(sel.selections)))
                continue
            sub = self._protect(sel.selections) if sel.selections is not None else None
            alias = sel.alias
            if alias is None and sel.name in self.taken:
                alias = f"{sel.name}__key"
            out.append(Field(sel.name, alias, sel.arguments, sub, sel.variables, sel.directives))
        return tuple(out)

    def _targets(self, type_name: str) -> tuple[JumpTarget, ...]:
        cached = self.targets.get(type_name)
        if cached is not None:
            return cached
        sg = self.sg
        tdef = sg.types[type_name]
        out: list[JumpTarget] = []
        for g in sg.ordered(tdef.per_graph):
            keys = sg.resolvable_keys(g, type_name)
            if keys:
                out.append(JumpTarget(g, type_name, False, keys))
        if tdef.kind == "object":
            for itf in tdef.interfaces:
                for g in sg.interface_object_graphs.get(itf, ()):
                    keys = sg.resolvable_keys(g, itf)
                    if keys:
                        out.append(JumpTarget(g, itf, True, keys))
        result = tuple(out)
        self.targets[type_name] = result
        return result

    def _jump(
        self,
        graph: str,
        type_name: str,
        missing: SelectionSet,
        provided: SelectionSet | None,
        chain: frozenset[str],
        defer: Defer | None = None,
    ) -> tuple[list[RItem], SelectionSet]:
        """``defer``: the deferred fragment ``missing`` belongs to (its jumps are tagged)."""
        # Conditional parts are covered on their own: their requirements are only fetched
        # under the same condition, so they must not share a representation with the rest.
        # Deferred fragments too: each gets fetches of its own (planner/defer.py).
        missing, deferred = extract_deferred(missing)
        plain, conditional = split_conditional(missing)
        parts = [plain] if plain else []
        parts += [(piece,) for piece in conditional]
        jumps: list[RItem] = []
        left: list[Selection] = []
        for part in parts:
            part_jumps, part_left = self._cover(graph, type_name, part, provided, chain, defer)
            jumps.extend(part_jumps)
            left.extend(part_left)
        for inner, content in deferred:
            part_jumps, part_left = self._jump(graph, type_name, content, provided, chain, inner)
            jumps.extend(part_jumps)
            left.extend(deferred_again(inner, part_left))
        return jumps, merge_selections(left)

    def _cover(
        self,
        graph: str,
        type_name: str,
        missing: SelectionSet,
        provided: SelectionSet | None,
        chain: frozenset[str],
        defer: Defer | None = None,
    ) -> tuple[list[RItem], SelectionSet]:
        jumps: list[RItem] = []
        excluded = chain | {graph}
        remaining = missing
        targets = self._targets(type_name)
        while remaining:
            best: tuple[tuple[float, ...], RJump, SelectionSet] | None = None
            for target in targets:
                self_jump = target.graph == graph
                if target.graph in excluded and not self_jump:
                    continue
                if self_jump and target.entity_type != type_name:
                    continue
                next_chain = excluded | {target.graph}
                r = self.route(
                    target.graph, target.entity_type, remaining, None, next_chain, True, True
                )
                covered = size(remaining) - size(r.missing)
                if covered <= 0 or (
                    self_jump and not r.requires and not r.contexts and defer is None
                ):
                    continue
                key_choice: tuple[float, Key, Routed] | None = None
                for key in target.keys:
                    kr = self.route(
                        graph, type_name, self._protect(key.selections), provided, next_chain
                    )
                    if kr.missing:
                        continue
                    if key_choice is None or kr.cost < key_choice[0]:
                        key_choice = (kr.cost, key, kr)
                if key_choice is None:
                    continue
                pre = key_choice[2].items
                pre_cost = key_choice[0]
                if r.requires:
                    # The requiring graph may itself serve parts of a requirement (fields it
                    # resolves plainly); only the key has to come from elsewhere.
                    rr = self.route(graph, type_name, self._protect(r.requires), provided, excluded)
                    if rr.missing:
                        continue
                    pre = pre + rr.items
                    pre_cost += rr.cost
                jump = RJump(
                    graph=target.graph,
                    source_type=type_name,
                    entity_type=target.entity_type,
                    key=self._protect(key_choice[1].selections),
                    requires=self._protect(r.requires),
                    pre=pre,
                    items=r.items,
                    # an @interfaceObject graph only knows the interface, whatever concrete
                    # type the object has been found to have by now
                    rewrite_typename=target.rewrite_typename
                    or self.sg.is_interface_object(target.graph, target.entity_type),
                    contexts=r.contexts,
                    defer=defer,
                )
                # weighted set cover: cheapest per newly covered field first
                score = ((JUMP_COST + pre_cost + r.cost) / covered, -float(covered))
                if best is None or score < best[0]:
                    best = (score, jump, r.missing)
            if best is None:
                break
            _, jump, remaining = best
            jumps.append(jump)
        return jumps, remaining


def split_conditional(sels: SelectionSet) -> tuple[SelectionSet, list[Selection]]:
    """Split an entity's selection into its unconditional part and each conditional
    fragment (kept inside the type fragments leading to it)."""
    plain: list[Selection] = []
    conditional: list[Selection] = []
    for sel in sels:
        if isinstance(sel, Field):
            plain.append(sel)
        elif sel.conditions:
            conditional.append(sel)
        else:
            inner_plain, inner_conditional = split_conditional(sel.selections)
            if inner_plain:
                plain.append(sel.with_selections(inner_plain))
            conditional.extend(sel.with_selections((piece,)) for piece in inner_conditional)
    return tuple(plain), conditional


def _joins_below(item: RField) -> bool:
    """Whether an entity join starts right inside this field's object."""
    for sub in item.items or ():
        if isinstance(sub, RJump):
            return True
        if isinstance(sub, RFragment) and any(isinstance(x, RJump) for x in sub.items):
            return True
    return False


def _as_selection(item: RField) -> Field:
    """The client selection a routed field came from (to route it again elsewhere)."""
    return item.field
