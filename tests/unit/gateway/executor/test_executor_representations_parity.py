"""The compiled kernel's representations are the reference's, on random targets.

``kernel.flat_representations`` groups objects by ``__typename`` and tells them apart by their
other values; ``representations.build_representations`` (the specification) evaluates the
``requires`` on each object. Both must give the same representations, in the same order, each
with the same targets — for well-formed objects and for what a broken upstream sends (a
missing or non-string ``__typename``, missing keys, nulls, lists and objects as key values,
``1``/``1.0``/``True``, which Python counts equal).
"""

from __future__ import annotations

import random
from typing import Any

import pytest
from executor_fakes import compiled_kernel

from gateway.executor.relations import TypeRelations
from gateway.executor.representations import build_representations, requires_for
from gateway.plan import FieldSel, InlineFragmentSel, Selection

RELATIONS = TypeRelations(
    possible={"Media": frozenset({"Book", "Film"})}, abstract=frozenset({"Media"})
)
_ABSENT = object()

REQUIRES: dict[str, tuple[Selection, ...]] = {
    "one key": (InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),),
    "key and requires": (
        InlineFragmentSel(
            "Product",
            (FieldSel("__typename"), FieldSel("upc"), FieldSel("price"), FieldSel("weight")),
        ),
    ),
    "two types": (
        InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),
        InlineFragmentSel("Book", (FieldSel("__typename"), FieldSel("isbn"))),
    ),
    "abstract condition": (
        InlineFragmentSel("Media", (FieldSel("__typename"), FieldSel("id"))),
        InlineFragmentSel("Book", (FieldSel("isbn"),)),
    ),
    "no condition": (FieldSel("__typename"), FieldSel("id")),
    "alias": (FieldSel("__typename"), FieldSel("id", alias="ident")),
    "typename only": (InlineFragmentSel("Product", (FieldSel("__typename"),)),),
    "repeated name": (FieldSel("__typename"), FieldSel("upc", alias="first"), FieldSel("upc")),
}

TYPENAMES: list[Any] = ["Product", "Book", "Film", "Media", "", None, 5, _ABSENT]
VALUES: list[Any] = ["1", "2", 1, 1.0, True, 2, None, [1, 2], [2, 1], {"a": 1}, _ABSENT]


def _object(rng: random.Random) -> dict[str, Any]:
    obj: dict[str, Any] = {}
    typename = rng.choice(TYPENAMES)
    if typename is not _ABSENT:
        obj["__typename"] = typename
    for key in ("upc", "price", "weight", "isbn", "id", "ident", "first"):
        value = rng.choice(VALUES)
        if value is not _ABSENT:
            obj[key] = value
    return obj


@pytest.mark.parametrize("name", sorted(REQUIRES))
def test_compiled_representations_are_the_references(name: str) -> None:
    kernel = compiled_kernel()
    requires = REQUIRES[name]
    evaluate, flat = requires_for({}, requires, RELATIONS)
    assert flat is not None
    rng = random.Random(name)
    for _ in range(300):
        objects = [_object(rng) for _ in range(rng.randint(0, 30))]
        # some objects twice, as when several paths reach one object
        objects += rng.sample(objects, min(len(objects), 3))
        targets = [(obj, (None, i)) for i, obj in enumerate(objects)]
        want_reps, want_owners = build_representations(targets, requires, (), RELATIONS, evaluate)
        reps, owners = kernel.flat_representations(targets, flat, dict(RELATIONS.possible))
        assert reps == want_reps
        assert [list(r) for r in reps] == [list(r) for r in want_reps]  # key order too
        assert [[t[1][1] for t in group] for group in owners] == [
            [t[1][1] for t in group] for group in want_owners
        ], objects
