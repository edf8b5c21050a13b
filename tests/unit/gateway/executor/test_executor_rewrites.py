"""Output rewrites rename subgraph aliases back to client keys without losing a value."""

from __future__ import annotations

from typing import Any

from gateway.executor.relations import EMPTY_RELATIONS
from gateway.executor.rewrites import apply_rewrites
from gateway.plan import KeyRenamer


def test_renamed_object_merges_into_the_same_key_selected_elsewhere() -> None:
    # samePriceProduct selected on the interface and (aliased) on the implementation: the
    # fetch returns both; renaming must merge them, not replace the first.
    value: dict[str, Any] = {
        "samePriceProduct": {"__typename": "Book", "samePriceProduct": {"id": "1"}},
        "samePriceProduct__alias_1": {"id": "3", "price": 10.99},
    }
    apply_rewrites(
        value, (KeyRenamer(("samePriceProduct__alias_1",), "samePriceProduct"),), EMPTY_RELATIONS
    )
    assert value == {
        "samePriceProduct": {
            "__typename": "Book",
            "samePriceProduct": {"id": "1"},
            "id": "3",
            "price": 10.99,
        }
    }


def test_renamed_lists_merge_item_by_item() -> None:
    value: dict[str, Any] = {"xs": [{"a": 1}, {"a": 2}], "xs__alias_1": [{"b": 1}, {"b": 2}]}
    apply_rewrites(value, (KeyRenamer(("xs__alias_1",), "xs"),), EMPTY_RELATIONS)
    assert value == {"xs": [{"a": 1, "b": 1}, {"a": 2, "b": 2}]}


def test_a_null_alias_does_not_erase_a_value_already_there() -> None:
    value: dict[str, Any] = {"f": {"a": 1}, "f__alias_1": None}
    apply_rewrites(value, (KeyRenamer(("f__alias_1",), "f"),), EMPTY_RELATIONS)
    assert value == {"f": {"a": 1}}


def test_renaming_to_a_new_key_moves_the_value() -> None:
    value: dict[str, Any] = {"title__alias": "x"}
    apply_rewrites(value, (KeyRenamer(("title__alias",), "title"),), EMPTY_RELATIONS)
    assert value == {"title": "x"}
