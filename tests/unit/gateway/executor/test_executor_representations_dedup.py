"""Identical representations are sent once (scalar keys by their items, nested values by
canonical JSON), each keeping every target it stands for."""

from __future__ import annotations

from typing import Any

from gateway.executor.relations import EMPTY_RELATIONS
from gateway.executor.representations import build_representations
from gateway.plan import FieldSel, InlineFragmentSel

KEY = (InlineFragmentSel("Product", (FieldSel("__typename"), FieldSel("upc"))),)
NESTED = (
    InlineFragmentSel(
        "Trip",
        (FieldSel("__typename"), FieldSel("legs", None, (FieldSel("from"), FieldSel("to")))),
    ),
)


def _targets(*objects: dict[str, Any]) -> list[Any]:
    return [(obj, (None, i)) for i, obj in enumerate(objects)]


def test_scalar_keys_dedupe_and_keep_every_target() -> None:
    a, b, c = ({"__typename": "Product", "upc": u} for u in ("1", "2", "1"))
    reps, owners = build_representations(_targets(a, b, c), KEY, (), EMPTY_RELATIONS)
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
    reps, owners = build_representations(_targets(a, b, c), NESTED, (), EMPTY_RELATIONS)
    assert len(reps) == 2 and [len(group) for group in owners] == [2, 1]


def test_targets_without_typename_or_key_are_not_sent() -> None:
    reps, _ = build_representations(
        _targets({"upc": "1"}, {"__typename": "Product"}), KEY, (), EMPTY_RELATIONS
    )
    assert reps == []
