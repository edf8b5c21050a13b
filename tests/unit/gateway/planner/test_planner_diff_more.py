"""Fed 1 style subgraphs, parent-entity calls, shared roots, @interfaceObject with @requires,
and (progressive) @override: gateway answer == monolith."""

from __future__ import annotations

import pytest
from planner_harness import Computed, Ref, Scenario, World


def _shipping(rep, _args):
    if rep.get("price") is None or rep.get("weight") is None:
        return None
    return rep["price"] + rep["weight"]


FED1 = World(
    objects={
        "Product": {
            "p1": {
                "upc": "p1",
                "name": "Kopi",
                "price": 10,
                "weight": 2,
                "inStock": True,
                "shippingEstimate": Computed(_shipping),
                "reviews": [Ref("Review", "r1")],
            },
            "p2": {
                "upc": "p2",
                "name": None,
                "price": 5,
                "weight": None,
                "inStock": None,
                "shippingEstimate": Computed(_shipping),
                "reviews": [],
            },
        },
        "Review": {
            "r1": {
                "id": "r1",
                "body": "ok",
                "author": Ref("User", "u1"),
                "product": Ref("Product", "p1"),
            }
        },
        "User": {
            "u1": {"id": "u1", "name": "Budi", "username": "budi", "reviews": [Ref("Review", "r1")]}
        },
    },
    query={"topProducts": [Ref("Product", "p1"), Ref("Product", "p2")], "me": Ref("User", "u1")},
)

PARENT = World(
    objects={
        "Product": {
            "p1": {
                "id": "p1",
                "name": "Kopi",
                "category": {"id": "c1", "name": "Food", "details": "yum"},
                "info": {"sub": {"a": 1, "b": 2}},
            },
            "p2": {"id": "p2", "name": "Ulos", "category": None, "info": {"sub": None}},
        },
    },
    query={
        "products": [Ref("Product", "p1"), Ref("Product", "p2")],
        "shop": {"name": "Toko", "tags": ["a", "b"], "address": "Medan", "rating": 4},
    },
)


def _title_length(rep, _args):
    return None if rep.get("title") is None else len(rep["title"])


def _media(mid, kind, title, **extra):
    return {
        "id": mid,
        "title": title,
        "titleLength": Computed(_title_length),
        "views": len(mid) * 10,
        "tags": [kind.lower()],
        **extra,
    }


IFACEOBJ = World(
    objects={
        "Book": {"b1": _media("b1", "Book", "Bumi", pages=300)},
        "Movie": {"m1": _media("m1", "Movie", None, minutes=90)},
    },
    query={
        "media": [Ref("Book", "b1"), Ref("Movie", "m1")],
        "popular": [Ref("Movie", "m1"), Ref("Book", "b1")],
    },
)

OVERRIDE = World(
    objects={
        "Product": {"p1": {"id": "p1", "name": "Kopi", "price": 7, "stock": 3, "discount": 1}}
    },
    query={"products": [Ref("Product", "p1")]},
)


@pytest.fixture(scope="module")
def fed1() -> Scenario:
    return Scenario("fed1", FED1)


@pytest.fixture(scope="module")
def fed1_v01() -> Scenario:
    return Scenario("fed1", FED1, supergraph="supergraph_v01.graphql")


@pytest.fixture(scope="module")
def parent() -> Scenario:
    return Scenario("parent", PARENT)


@pytest.fixture(scope="module")
def ifaceobj() -> Scenario:
    return Scenario("ifaceobj", IFACEOBJ)


@pytest.mark.parametrize(
    "query",
    [
        "{ topProducts { name inStock shippingEstimate } }",
        "{ topProducts { reviews { body author { username name } } } }",
        "{ me { username reviews { product { upc name } } } }",
    ],
)
def test_fed1_style_subgraphs(fed1: Scenario, fed1_v01: Scenario, query: str) -> None:
    fed1.check(query)
    fed1_v01.check(query)


@pytest.mark.parametrize(
    "query",
    [
        "{ products { name category { name details } } }",
        "{ products { category { details } } }",
        "{ products { info { sub { a b } } } }",
        "{ products { name info { sub { b } } category { id } } }",
        "{ shop { name address rating } }",
        "{ shop { tags rating } }",
    ],
)
def test_parent_entity_calls_and_shared_roots(parent: Scenario, query: str) -> None:
    parent.check(query)


@pytest.mark.parametrize(
    "query",
    [
        "{ media { id title views tags } }",
        "{ media { titleLength } }",
        "{ media { __typename ... on Book { pages titleLength } } }",
        "{ popular { id views } }",
        "{ popular { __typename title } }",
        "{ popular { titleLength tags ... on Movie { minutes } } }",
        "{ popular { ... on Book { pages tags } } }",
    ],
)
def test_interface_objects(ifaceobj: Scenario, query: str) -> None:
    ifaceobj.check(query)


@pytest.mark.parametrize("labels", [frozenset(), frozenset({"beta"})])
def test_override_follows_the_active_labels(labels: frozenset[str]) -> None:
    scenario = Scenario("override", OVERRIDE, always_labels=labels)
    out = scenario.check("{ products { name price stock discount } }")
    services = {s for s, _ in out.calls}
    assert ("c" in services) == ("beta" in labels)


PAYLOAD = World(
    objects={"User": {"u1": {"id": "u1", "name": "Sari", "karma": 7}}},
    query={
        "rename": {"user": Ref("User", "u1"), "query": {}},
        "me": Ref("User", "u1"),
        "stats": {"users": 42},
    },
)


@pytest.mark.parametrize(
    "query",
    [
        'mutation { rename(name: "x") { user { name karma } query { stats { users } } } }',
        'mutation { rename(name: "x") { query { me { name karma } stats { users } } } }',
        "{ me { name karma } }",
    ],
)
def test_fields_returning_the_query_root_reach_every_subgraph(query: str) -> None:
    Scenario("payload", PAYLOAD).check(query)


SHAREDROOT = World(
    objects={
        "User": {
            "u1": {"id": "u1", "prop1": "a", "prop2": "b", "friends": [Ref("User", "u2")]},
            "u2": {"id": "u2", "prop1": None, "prop2": "d", "friends": []},
        }
    },
    query={"me": Ref("User", "u1")},
)


@pytest.mark.parametrize(
    "query",
    [
        "{ me { prop1 prop2 } }",
        "{ me { prop2 friends { prop1 } } }",
        "{ me { id prop1 friends { id prop2 } } }",
    ],
)
def test_shareable_root_fields(query: str) -> None:
    Scenario("sharedroot", SHAREDROOT).check(query)


def test_shareable_root_queried_in_parallel_rather_than_joined() -> None:
    out = Scenario("sharedroot", SHAREDROOT).check("{ me { prop1 prop2 } }")
    assert sorted(q for _, q in out.calls) == ["{me{prop1}}", "{me{prop2}}"]


TRANSFER = World(
    objects={
        "Country": {
            "ID": {"iso": "ID", "currency": {"name": "Rupiah", "sign": "Rp"}},
            "MY": {"iso": "MY", "currency": {"name": "Ringgit", "sign": "RM"}},
        },
        "Transfer": {
            "t1": {"id": "t1", "from": Ref("Country", "ID"), "to": Ref("Country", "MY")},
        },
    },
    query={"transfers": [Ref("Transfer", "t1")]},
)


@pytest.mark.parametrize(
    "query",
    [
        "{ transfers { from { currency { name } } to { currency { sign } } } }",
        "{ transfers { id from { iso currency { name } } } }",
        "{ transfers { to { iso } } }",
    ],
)
def test_nested_keys_join_once(query: str) -> None:
    Scenario("transfer", TRANSFER).check(query)


def test_one_join_through_the_nested_key_rather_than_one_per_country() -> None:
    out = Scenario("transfer", TRANSFER).check(
        "{ transfers { from { currency { name } } to { currency { sign } } } }"
    )
    assert [s for s, _ in out.calls] == ["s1", "s2"]


FED1_INTERFACE = World(
    objects={
        "Book": {
            "b1": {"upc": "b1", "name": "Bumi", "dims": {"w": 1, "h": 2}, "rating": 5},
            "b2": {"upc": "b2", "name": None, "dims": None, "rating": None},
        }
    },
    query={"books": [Ref("Book", "b1"), Ref("Book", "b2")]},
)


@pytest.mark.parametrize(
    "query",
    [
        "{ books { upc name } }",
        "{ books { __typename name ... on Book { rating dims { w h } } } }",
        "{ books { ... on Book { rating } } }",
    ],
)
def test_fed1_interface_and_value_types_without_join_data(query: str) -> None:
    Scenario("fed1_interface", FED1_INTERFACE).check(query)
