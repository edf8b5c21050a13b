"""@external outside its @provides path, Fed 2 @extends, nested lists, recursive
interfaces, @provides on a union member: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Ref, Scenario, World


def _greeting(rep, _args):
    return None if rep.get("name") is None else f"Hi {rep['name']}"


WORLD = World(
    objects={
        "User": {
            "u1": {
                "id": "u1",
                "name": "Ani",
                "friends": [Ref("User", "u2")],
                "greeting": Computed(_greeting),
            },
            "u2": {
                "id": "u2",
                "name": None,
                "friends": [Ref("User", "u1"), Ref("User", "u1")],
                "greeting": Computed(_greeting),
            },
        },
        "Cell": {f"c{i}": {"id": f"c{i}", "value": i * 10} for i in range(4)},
        "Folder": {
            "f1": {"id": "f1", "size": 3, "children": [Ref("File", "x1"), Ref("Folder", "f2")]},
            "f2": {"id": "f2", "size": 0, "children": []},
        },
        "File": {"x1": {"id": "x1", "size": 7, "children": []}},
        "Book": {"b1": {"id": "b1", "title": "Bumi"}},
        "Film": {"m1": {"id": "m1", "title": "Gie"}},
    },
    query={
        "users": [Ref("User", "u1"), None, Ref("User", "u2")],
        "grid": [[Ref("Cell", "c0"), Ref("Cell", "c1")], [], None, [None, Ref("Cell", "c3")]],
        "root": Ref("Folder", "f1"),
        "items": [Ref("Film", "m1"), Ref("Book", "b1")],
        "posts": [{"title": "P", "author": Ref("User", "u2")}, {"title": "Q", "author": None}],
        "shelf": {"items": [Ref("Book", "b1"), Ref("Film", "m1")]},
    },
)


@pytest.fixture(scope="module")
def misc() -> Scenario:
    return Scenario("misc", WORLD)


@pytest.mark.parametrize(
    "query",
    [
        "{ users { id name } }",
        "{ users { friends { name } } }",
        "{ users { friends { name friends { name } } } }",
        "{ users { greeting } }",
        "{ users { name greeting friends { greeting } } }",
        "{ grid { id value } }",
        "{ grid { __typename value } }",
        "{ root { id ... on Folder { size children { id __typename ... on File { size } "
        "... on Folder { size children { id } } } } } }",
        "{ root { children { children { id } } } }",
        "{ posts { title author { id name } } }",
        "{ posts { author { greeting } } }",
        "{ shelf { items { __typename ... on Book { title } ... on Film { title } } } }",
        "{ items { ... on Book { title } ... on Film { id title } } }",
    ],
)
def test_gateway_answers_like_the_monolith(misc: Scenario, query: str) -> None:
    misc.check(query)


def test_external_field_is_not_read_outside_its_provides_path(misc: Scenario) -> None:
    out = misc.check("{ users { name } }")
    assert [s for s, _ in out.calls] == ["a", "b"]


def test_provided_union_member_field_stays_local(misc: Scenario) -> None:
    out = misc.check("{ shelf { items { ... on Book { title } } } }")
    assert [s for s, _ in out.calls] == ["d"]
