"""A simplified satisfiability check (Apollo's ``validateGraphComposition``).

Walks every type reachable from the root fields, tracking which subgraph a query would be
in, and checks that each field visible in the API schema can be resolved there: locally,
through ``@provides``, or after jumping to another subgraph over a *resolvable* ``@key``
whose fields the current subgraphs can produce. Unlike Apollo it does not check
``@requires`` conditions, progressive-override label states or fragments on
implementations reached through an ``@interfaceObject``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.federation import FedInfo, fields_arg, string_arg
from gateway.compose.fieldset import FieldSetError, Selected, resolve, target_fields
from gateway.compose.subgraph import Subgraph
from gateway.compose.supermodel import Supergraph
from gateway.compose.typeref import TypeRef


@dataclass(frozen=True, slots=True)
class _State:
    subgraph: int
    provided: frozenset[str]


class _Checker:
    def __init__(
        self, sg: Supergraph, subgraphs: list[Subgraph], infos: list[FedInfo], diag: Diagnostics
    ) -> None:
        self.sg, self.subgraphs, self.infos, self.diag = sg, subgraphs, infos, diag
        self.names = [s.name for s in subgraphs]
        self.overridden = self._overridden()
        self.seen: set[tuple[str, frozenset[_State]]] = set()
        self.reported: set[tuple[str, int]] = set()

    def _overridden(self) -> set[tuple[int, str]]:
        """(subgraph, coordinate) pairs whose field moved away with a label-less @override."""
        out: set[tuple[int, str]] = set()
        for s in self.subgraphs:
            for t in s.types.values():
                for f in t.fields.values():
                    for a in s.applied(f, "override"):
                        source = string_arg(a, "from")
                        if source in self.names and string_arg(a, "label") is None:
                            out.add((self.names.index(source), f.coordinate))
        return out

    def hidden(self, element: object) -> bool:
        name = self.sg.inaccessible
        return name is not None and f"@{name}" in getattr(element, "directives", ())

    # -- what one subgraph can do
    def resolves(
        self, idx: int, type_name: str, field_name: str, provided: frozenset[str] = frozenset()
    ) -> bool:
        sub, info = self.subgraphs[idx], self.infos[idx]
        coordinate = f"{type_name}.{field_name}"
        t = sub.types.get(type_name)
        if t is not None:
            f = t.fields.get(field_name)
            if f is None or (idx, coordinate) in self.overridden:
                return False
            return not info.is_external(f) or coordinate in provided
        for itf in self.sg.types[type_name].interfaces if type_name in self.sg.types else ():
            o = sub.types.get(itf)
            if o is not None and info.is_interface_object(o) and field_name in o.fields:
                if not info.is_external(o.fields[field_name]):
                    return True
        return False

    def _selection_ok(self, idx: int, type_name: str, selected: list[Selected]) -> bool:
        return all(
            self.resolves(idx, type_name if s.type_name == type_name else s.type_name, s.field.name)
            and self._selection_ok(idx, s.field.type.base, s.children)
            for s in selected
        )

    def entity_keys(self, idx: int, type_name: str) -> list[tuple[str, str, bool]]:
        """(owner type in the subgraph, key fields, resolvable) usable to enter ``idx``."""
        sub, info = self.subgraphs[idx], self.infos[idx]
        owners = [type_name] + (
            self.sg.types[type_name].interfaces if type_name in self.sg.types else []
        )
        out = []
        for owner in owners:
            t = sub.types.get(owner)
            if t is None or (
                owner != type_name and t.kind == "OBJECT" and not info.is_interface_object(t)
            ):
                continue
            out += [(owner, k.fields, k.resolvable) for k in info.keys(t)]
        return out

    def key_producible(self, reached: set[int], idx: int, owner: str, fields: str) -> bool:
        try:
            selected = resolve(self.subgraphs[idx], owner, fields)
        except FieldSetError:
            return False
        return all(
            any(self.resolves(r, owner, s.field.name) and self._nested_ok(r, s) for r in reached)
            for s in selected
        )

    def _nested_ok(self, idx: int, s: Selected) -> bool:
        return all(
            self.resolves(idx, c.type_name, c.field.name) and self._nested_ok(idx, c)
            for c in s.children
        )

    def closure(self, type_name: str, start: int) -> set[int]:
        reached = {start}
        changed = True
        while changed:
            changed = False
            for j in range(len(self.subgraphs)):
                if j in reached:
                    continue
                if any(
                    r and self.key_producible(reached, j, owner, fields)
                    for owner, fields, r in self.entity_keys(j, type_name)
                ):
                    reached.add(j)
                    changed = True
        return reached

    # -- reporting
    def _why_not(self, reached: set[int], type_name: str, field_name: str, start: int) -> list[str]:
        coordinate = f"{type_name}.{field_name}"
        lines = [f'cannot find field "{coordinate}".']
        for j, sub in enumerate(self.subgraphs):
            if j in reached or not self.resolves(j, type_name, field_name):
                continue
            keys = self.entity_keys(j, type_name)
            if not keys:
                lines.append(
                    f'cannot move to subgraph "{sub.name}", which has field "{coordinate}", '
                    f'because type "{type_name}" has no @key defined in subgraph "{sub.name}".'
                )
            elif not any(r for _, _, r in keys):
                lines.append(
                    f'cannot move to subgraph "{sub.name}", which has field "{coordinate}", '
                    "because none of the @key defined on type "
                    f'"{type_name}" in subgraph "{sub.name}" '
                    'are resolvable (they are all declared with their "resolvable" argument '
                    "set to false)."
                )
            else:
                for _owner, fields, r in keys:
                    if r:
                        lines.append(
                            f'cannot move to subgraph "{sub.name}" using '
                            f'@key(fields: "{fields}") of '
                            f'"{type_name}", the key field(s) cannot be '
                            f'resolved from subgraph "{self.names[start]}".'
                        )
        return lines

    def report(
        self, path: list[str], type_name: str, field_name: str, state: _State, reached: set[int]
    ) -> None:
        if (f"{type_name}.{field_name}", state.subgraph) in self.reported:
            return
        self.reported.add((f"{type_name}.{field_name}", state.subgraph))
        lines = path + [field_name]
        query = "{\n" + "".join("  " * (i + 1) + step + " {\n" for i, step in enumerate(lines[:-1]))
        query += "  " * len(lines) + lines[-1] + "\n"
        query += "".join("  " * i + "}\n" for i in range(len(lines) - 1, 0, -1)) + "}"
        reasons = "\n".join(
            "  - " + r for r in self._why_not(reached, type_name, field_name, state.subgraph)
        )
        self.diag.error(
            "SATISFIABILITY_ERROR",
            (
                f"The following supergraph API query:\n{query}\ncannot be satisfied by the "
                f'subgraphs because:\n- from subgraph "{self.names[state.subgraph]}":\n{reasons}'
            ),
            coordinate=f"{type_name}.{field_name}",
        )

    # -- the walk: a state holds every subgraph (with its @provides) a plan could be in
    def visit(self, type_name: str, candidates: frozenset[_State], path: list[str]) -> None:
        key = (type_name, candidates)
        if key in self.seen or not candidates:
            return
        self.seen.add(key)
        t = self.sg.types.get(type_name)
        if t is None:
            return
        in_type = [c for c in candidates if type_name in self.subgraphs[c.subgraph].types]
        local_kinds = {self.subgraphs[c.subgraph].types[type_name].kind for c in in_type}
        if t.kind == "UNION" or (t.kind == "INTERFACE" and "INTERFACE" in local_kinds):
            members = sorted(
                {m for c in in_type for m in self.subgraphs[c.subgraph].possible_types(type_name)}
            )
            for member in members:
                narrowed = frozenset(
                    c
                    for c in in_type
                    if member in self.subgraphs[c.subgraph].possible_types(type_name)
                )
                self.visit(member, narrowed, path + [f"... on {member}"])
            return
        if t.kind not in ("OBJECT", "INTERFACE") or not in_type:
            return
        for f in t.fields.values():
            if f.type is None or self.hidden(f) or self.hidden(self.sg.types.get(f.type.base)):
                continue
            nxt: set[_State] = set()
            for c in sorted(in_type, key=lambda c: c.subgraph):
                # Jumping over a key is an option even where the field is local: a value
                # type further down may only be complete in the other subgraph.
                reached = self.closure(t.name, c.subgraph)
                resolvers = [
                    j
                    for j in sorted(reached)
                    if j != c.subgraph and self.resolves(j, t.name, f.name)
                ]
                if self.resolves(c.subgraph, t.name, f.name, c.provided):
                    resolvers.insert(0, c.subgraph)
                nxt.update(_State(j, self._provided(j, t.name, f.name, f.type)) for j in resolvers)
            if not nxt:
                first = min(in_type, key=lambda c: c.subgraph)
                self.report(path, t.name, f.name, first, self.closure(t.name, first.subgraph))
                continue
            self.visit(f.type.base, frozenset(nxt), path + [self._step(f.name, f.args)])

    def _provided(
        self, idx: int, type_name: str, field_name: str, field_type: TypeRef
    ) -> frozenset[str]:
        sub = self.subgraphs[idx]
        f = sub.field(type_name, field_name)
        if f is None:
            return frozenset()
        out: set[str] = set()
        for a in sub.applied(f, "provides"):
            text = fields_arg(a)
            if text:
                out.update(x.coordinate for x in target_fields(sub, field_type.base, text))
        return frozenset(out)

    def _step(self, name: str, args: dict) -> str:  # type: ignore[type-arg]
        required = [
            a for a in args.values() if a.type is not None and a.type.non_null and a.default is None
        ]
        if not required:
            return name
        return name + "(" + ", ".join(f"{a.name}: {_placeholder(a.type)}" for a in required) + ")"

    def run(self) -> None:
        for op, root in self.sg.roots.items():
            t = self.sg.types.get(root)
            for f in t.fields.values() if t else ():
                if self.hidden(f) or f.type is None:
                    continue
                states = frozenset(
                    _State(j, self._provided(j, root, f.name, f.type))
                    for j, s in enumerate(self.subgraphs)
                    if s.roots.get(op) == root and self.resolves(j, root, f.name)
                )
                self.visit(f.type.base, states, [self._step(f.name, f.args)])


def _placeholder(t: TypeRef) -> str:
    base = t.base
    return {
        "ID": '"<any id>"',
        "String": '"<any string>"',
        "Int": "0",
        "Float": "0",
        "Boolean": "true",
    }.get(base, "{}" if t.kind != "list" else "[]")


def check_satisfiability(
    sg: Supergraph, subgraphs: list[Subgraph], infos: list[FedInfo], diag: Diagnostics
) -> None:
    """Report SATISFIABILITY_ERRORs for API fields no query plan could reach."""
    _Checker(sg, subgraphs, infos, diag).run()
