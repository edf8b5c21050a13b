"""The comparison rules themselves: a conformance suite must be able to fail."""

from __future__ import annotations

import pytest

from tests.federation.harness.compare import compare, compare_calls
from tests.federation.harness.model import Case, err

pytestmark = pytest.mark.federation

PARTIAL = {
    "data": {"a": None, "b": 1},
    "errors": [{"message": "boom at a", "path": ["a"]}],
}


def test_identical_answer_conforms() -> None:
    assert compare(Case("c", "{ a b }"), PARTIAL, PARTIAL) == []


def test_key_order_is_part_of_the_answer() -> None:
    expected = {"data": {"x": {"a": 1, "b": 2}}}
    problems = compare(Case("c", "{ x { a b } }"), expected, {"data": {"x": {"b": 2, "a": 1}}})
    assert problems and "key order" in problems[0]


def test_null_versus_missing_data_differs() -> None:
    assert compare(Case("c", "{ a }"), {"data": {"a": None}}, {"data": {}})


def test_error_paths_must_match_exactly() -> None:
    moved = {**PARTIAL, "errors": [{"message": "boom at a", "path": ["a", 0]}]}
    assert compare(Case("c", "{ a b }"), PARTIAL, moved)
    extra = {**PARTIAL, "errors": [*PARTIAL["errors"], {"message": "x", "path": ["b"]}]}
    assert compare(Case("c", "{ a b }"), PARTIAL, extra)
    assert compare(Case("c", "{ a b }"), PARTIAL, {"data": PARTIAL["data"]})


def test_messages_compared_by_declared_fragment() -> None:
    case = Case("c", "{ a b }", errors=[err("a", "BOOM")])
    reworded = {**PARTIAL, "errors": [{"message": "a went boom!", "path": ["a"]}]}
    assert compare(case, PARTIAL, reworded) == []
    unrelated = {**PARTIAL, "errors": [{"message": "timeout", "path": ["a"]}]}
    assert compare(case, PARTIAL, unrelated)


def test_any_path_error_needs_presence_and_fragment() -> None:
    expected = {"data": {"a": None}, "errors": [{"message": "500: Internal Server Error"}]}
    case = Case("c", "{ a }", errors=[err("*", "500")])
    with_path = {"data": {"a": None}, "errors": [{"message": "HTTP 500", "path": ["a"]}]}
    assert compare(case, expected, with_path) == []
    assert compare(case, expected, {"data": {"a": None}})
    assert compare(case, expected, {"data": {"a": None}, "errors": [{"message": "refused"}]})


def test_request_error_forbids_data_and_checks_locations() -> None:
    expected = {"errors": [{"message": "Syntax Error", "locations": [{"line": 1, "column": 3}]}]}
    case = Case("c", "{", errors=[err(None, "Syntax Error")])
    assert compare(case, expected, expected) == []
    assert compare(case, expected, {"data": {}, "errors": expected["errors"]})
    moved = {"errors": [{"message": "Syntax Error", "locations": [{"line": 1, "column": 2}]}]}
    assert compare(case, expected, moved)


def test_call_counts() -> None:
    case = Case("c", "{ a }", calls={"reviews": 1, "accounts": 0})
    assert compare_calls(case, {"reviews": 1, "accounts": 0}) == []
    assert compare_calls(case, {"reviews": 2, "accounts": 0})
