"""Apollo's default field-type subtyping (all rules but ``list_upgrade``)."""

from __future__ import annotations

from gateway.compose.supermodel import Supergraph
from gateway.compose.typeref import TypeRef


def same_type(a: TypeRef, b: TypeRef) -> bool:
    return a == b


def is_subtype(sg: Supergraph, t: TypeRef, maybe_sub: TypeRef) -> bool:
    return t == maybe_sub or is_strict_subtype(sg, t, maybe_sub)


def is_strict_subtype(sg: Supergraph, t: TypeRef, maybe_sub: TypeRef) -> bool:
    """True when a value of ``maybe_sub`` is always a valid ``t`` (and they differ)."""
    if maybe_sub.kind == "list":
        assert maybe_sub.of is not None
        return t.kind == "list" and t.of is not None and is_subtype(sg, t.of, maybe_sub.of)
    if maybe_sub.kind == "non_null":
        assert maybe_sub.of is not None
        if t.kind == "non_null":
            assert t.of is not None
            return is_subtype(sg, t.of, maybe_sub.of)
        return is_subtype(sg, t, maybe_sub.of)
    if t.kind != "named":
        return False
    return sg.is_subtype_member(t.name, maybe_sub.name)
