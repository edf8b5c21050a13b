"""Small helpers over IR selection sets used while routing."""

from __future__ import annotations

from gateway.operation.ir import TYPENAME, Field, InlineFragment, SelectionSet
from gateway.operation.merge import merge_selections
from gateway.supergraph.model import Supergraph


def size(selections: SelectionSet) -> int:
    """Number of fields (at any depth) in a selection set."""
    n = 0
    for sel in selections:
        if isinstance(sel, Field):
            n += 1 + (size(sel.selections) if sel.selections else 0)
        else:
            n += size(sel.selections)
    return n


def applies_to(sg: Supergraph, type_condition: str | None, type_name: str) -> bool:
    """Whether a fragment on ``type_condition`` always applies to an object of ``type_name``."""
    if type_condition is None or type_condition == type_name:
        return True
    t = sg.types.get(type_condition)
    if t is None or not t.is_abstract:
        return False
    return type_name in sg.possible_types(type_condition) or _implements(
        sg, type_name, type_condition
    )


def _implements(sg: Supergraph, type_name: str, interface: str) -> bool:
    t = sg.types.get(type_name)
    return t is not None and interface in t.interfaces


def provided_for(
    sg: Supergraph, provided: SelectionSet | None, type_name: str, field_name: str
) -> tuple[bool, SelectionSet | None]:
    """Whether ``field_name`` of ``type_name`` is in ``provided``, and its provided subselection."""
    if provided is None:
        return False, None
    found = False
    subs: list[SelectionSet] = []
    for sel in provided:
        if isinstance(sel, Field):
            if sel.name == field_name:
                found = True
                if sel.selections:
                    subs.append(sel.selections)
        elif applies_to(sg, sel.type_condition, type_name):
            f, sub = provided_for(sg, sel.selections, type_name, field_name)
            if f:
                found = True
                if sub:
                    subs.append(sub)
    if not found:
        return False, None
    return True, merge_selections(s for sub in subs for s in sub) if subs else None


def provided_narrowed(
    sg: Supergraph, provided: SelectionSet | None, type_name: str
) -> SelectionSet | None:
    """The part of ``provided`` that applies to objects of ``type_name``."""
    if provided is None:
        return None
    out: list[Field | InlineFragment] = []
    for sel in provided:
        if isinstance(sel, Field):
            out.append(sel)
        elif applies_to(sg, sel.type_condition, type_name):
            inner = provided_narrowed(sg, sel.selections, type_name)
            if inner:
                out.extend(inner)
    return merge_selections(out) if out else None


def typename_field() -> Field:
    return Field(TYPENAME)


def _fields_by_name(sels: SelectionSet, out: dict[str, list[Field]]) -> dict[str, list[Field]]:
    for sel in sels:
        if isinstance(sel, Field):
            out.setdefault(sel.name, []).append(sel)
        else:
            _fields_by_name(sel.selections, out)
    return out


def representation_conflict(a: SelectionSet, b: SelectionSet) -> bool:
    """Whether ``a`` and ``b`` in one representation would give one field two values."""
    fa = _fields_by_name(a, {})
    fb = _fields_by_name(b, {})
    for name, xs in fa.items():
        for x in xs:
            for y in fb.get(name, ()):
                if x.arguments != y.arguments:
                    return True
                if (
                    x.selections
                    and y.selections
                    and representation_conflict(x.selections, y.selections)
                ):
                    return True
    return False
