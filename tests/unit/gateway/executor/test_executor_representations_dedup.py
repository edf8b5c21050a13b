"""Identical representations are sent once (scalar keys by their items, nested values by
canonical JSON), each keeping every target it stands for."""

from __future__ import annotations

from typing import Any

import pytest
from executor_fakes import KERNEL

from gateway.executor.relations import EMPTY_RELATIONS
from gateway.executor.representations import build_representations, requires_for
from gateway.plan import FieldSel, InlineFragmentSel, Selection

pytestmark = pytest.mark.usefixtures("kernel")  # compiled and reference (conftest.py)

KEY = (InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),)
NESTED = (
    InlineFragmentSel(
        "Trip",
        (FieldSel("__typename"), FieldSel("legs", None, (FieldSel("from"), FieldSel("to")))),
    ),
)


def _build(targets: list[Any], requires: tuple[Selection, ...]) -> tuple[Any, Any]:
    """What the executor does: the compiled kernel for a flat ``requires``, else the reference."""
    evaluate, flat = requires_for({}, requires, EMPTY_RELATIONS)
    if KERNEL.module is not None and flat is not None:
        return KERNEL.module.flat_representations(targets, flat, dict(EMPTY_RELATIONS.possible))
    return build_representations(targets, requires, (), EMPTY_RELATIONS, evaluate)


def _targets(*objects: dict[str, Any]) -> list[Any]:
    return [(obj, (None, i)) for i, obj in enumerate(objects)]


def test_scalar_keys_dedupe_and_keep_every_target() -> None:
    a, b, c = ({"__typename": "Product", "upc": u} for u in ("1", "2", "1"))
    reps, owners = _build(_targets(a, b, c), KEY)
    assert reps == [{"__typename": "Product", "upc": "1"}, {"__typename": "Product", "upc": "2"}]
    assert [[t[0] is x for t in group] for group, x in zip(owners, (a, b), strict=True)] == [
        [True, False],
        [True],
    ]
    assert owners[0][1][0] is c


def test_nested_values_dedupe_by_content() -> None:
    legs = [{"from": "Medan", "to": "Sei Rampah"}]
    a = {"__typename": "Trip", "legs": legs}
    b = {"__typename": "Trip", "legs": [dict(legs[0])]}
    c = {"__typename": "Trip", "legs": [{"from": "Medan", "to": "Perbaungan"}]}
    reps, owners = _build(_targets(a, b, c), NESTED)
    assert len(reps) == 2 and [len(group) for group in owners] == [2, 1]


def test_targets_without_typename_or_key_are_not_sent() -> None:
    reps, _ = _build(_targets({"upc": "1"}, {"__typename": "Product"}), KEY)
    assert reps == []


def test_equal_values_of_different_types_stay_apart() -> None:
    requires = (
        InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),
        InlineFragmentSel("Book", (FieldSel("__typename"), FieldSel("isbn"))),
    )
    product, book = {"__typename": "Product", "upc": "1"}, {"__typename": "Book", "isbn": "1"}
    reps, owners = _build(_targets(product, book, dict(book)), requires)
    assert reps == [product, book]
    assert [len(group) for group in owners] == [1, 2]


def test_a_name_selected_twice_keeps_its_last_value_and_still_dedupes() -> None:
    # the field upc read under an alias and unaliased: the representation carries the last
    requires = (FieldSel("__typename"), FieldSel("upc", alias="first"), FieldSel("upc"))
    a = {"__typename": "Product", "first": "1", "upc": "7"}
    b = {"__typename": "Product", "first": "2", "upc": "7"}
    reps, owners = _build(_targets(a, b), requires)
    assert reps == [{"__typename": "Product", "upc": "7"}]
    assert list(reps[0]) == ["__typename", "upc"]
    assert [len(group) for group in owners] == [2]


def test_unhashable_key_values_dedupe_by_content() -> None:
    requires = (FieldSel("__typename"), FieldSel("dims"))
    a = {"__typename": "Box", "dims": [1, 2]}
    b = {"__typename": "Box", "dims": [1, 2]}
    c = {"__typename": "Box", "dims": [2, 1]}
    reps, owners = _build(_targets(a, b, c), requires)
    assert reps == [a, c]
    assert [len(group) for group in owners] == [2, 1]
