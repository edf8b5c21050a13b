"""Response shaping: projection, ordering, __typename, leaves, null propagation, introspection."""

from __future__ import annotations

from typing import Any

import pytest
from executor_fakes import KERNEL
from graphql import FragmentDefinitionNode, OperationDefinitionNode, build_schema, parse

from gateway.executor import SchemaIndex, compile_operation, shape_response

API = build_schema(
    """
    type Query {
      products: [Product!]!
      product(upc: String!): Product
      maybe: Product
      node: Node
      search: [SearchResult]
      strict: Strict
      numbers: [Int!]
    }
    interface Node { id: ID! }
    type Product implements Node {
      id: ID! upc: String! name: String price: Int! status: Status tags: [String!]
    }
    type User implements Node { id: ID! name: String! }
    union SearchResult = Product | User
    enum Status { ACTIVE RETIRED }
    type Strict { inner: Inner! }
    type Inner { value: String! }
    """
)
INDEX = SchemaIndex(API)

pytestmark = pytest.mark.usefixtures("kernel")  # compiled and reference (conftest.py)


def shape(
    query: str,
    data: dict[str, Any],
    variables: dict[str, Any] | None = None,
    errors: list[dict[str, Any]] | None = None,
    introspection: dict[str, Any] | None = None,
) -> dict[str, Any]:
    document = parse(query)
    op = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    compiled = compile_operation(INDEX, op, fragments)
    out, shaping_errors = shape_response(
        compiled, INDEX, data, variables or {}, errors or [], introspection, KERNEL.module
    )
    result: dict[str, Any] = {"data": out}
    if shaping_errors:
        result["errors"] = shaping_errors
    return result


def test_keys_follow_query_order_and_extra_fields_are_dropped() -> None:
    data = {"maybe": {"p": 3, "__typename": "Product", "upc": "u", "name": "n", "secret": 1}}
    out = shape("{ maybe { name upc p: price } }", data)
    assert out == {"data": {"maybe": {"name": "n", "upc": "u", "p": 3}}}
    assert list(out["data"]["maybe"]) == ["name", "upc", "p"]


def test_fragments_and_repeated_fields_merge_in_first_seen_order() -> None:
    data = {"maybe": {"upc": "u", "name": "n", "price": 1}}
    query = """
      { maybe { ...F name ... on Product { upc price } } }
      fragment F on Product { upc }
    """
    out = shape(query, data)
    assert list(out["data"]["maybe"]) == ["upc", "name", "price"]


def test_skip_and_include_with_variables_and_literals() -> None:
    data = {"maybe": {"upc": "u", "name": "n", "price": 1}}
    query = """query($s: Boolean!, $i: Boolean!) {
      maybe { upc @skip(if: $s) name @include(if: $i) price @skip(if: true) }
    }"""
    assert shape(query, data, {"s": True, "i": True}) == {"data": {"maybe": {"name": "n"}}}
    assert shape(query, data, {"s": False, "i": False}) == {"data": {"maybe": {"upc": "u"}}}


def test_typename_at_root_and_nested_and_on_abstract_types() -> None:
    data = {
        "node": {"__typename": "User", "id": "1", "name": "ann"},
        "search": [{"__typename": "Product", "upc": "p"}, {"__typename": "User", "name": "bo"}],
    }
    query = """{
      __typename
      t: __typename
      node { __typename ... on User { name } ... on Product { upc } }
      search { kind: __typename ... on Product { upc } ... on User { name } }
    }"""
    assert shape(query, data) == {
        "data": {
            "__typename": "Query",
            "t": "Query",
            "node": {"__typename": "User", "name": "ann"},
            "search": [{"kind": "Product", "upc": "p"}, {"kind": "User", "name": "bo"}],
        }
    }


def test_fragment_on_a_type_that_does_not_apply_gives_an_empty_object() -> None:
    data = {"node": {"__typename": "User", "id": "1"}}
    assert shape("{ node { ... on Product { upc } } }", data) == {"data": {"node": {}}}


def test_unknown_typename_becomes_null_with_an_error_that_does_not_leak_it() -> None:
    data = {"node": {"__typename": "SecretThing", "id": "1"}}
    out = shape("{ node { id } }", data)
    assert out["data"] == {"node": None}
    [error] = out["errors"]
    assert error["path"] == ["node"]
    assert "SecretThing" not in error["message"]


def test_invalid_enum_value_is_null_with_an_error() -> None:
    data = {"maybe": {"status": "HIDDEN"}, "product": {"status": "ACTIVE"}}
    out = shape('{ maybe { status } product(upc: "1") { status } }', data)
    assert out["data"] == {"maybe": {"status": None}, "product": {"status": "ACTIVE"}}
    assert out["errors"] == [
        {"message": "Invalid value found for field Product.status.", "path": ["maybe", "status"]}
    ]


def test_invalid_leaves_in_lists() -> None:
    out = shape("{ numbers }", {"numbers": [1, "two", 3]})
    # an invalid non-null item nulls the (nullable) list, with one error at the item
    assert out["data"] == {"numbers": None}
    assert [e["path"] for e in out["errors"]] == [["numbers", 1]]


def test_int_range_and_float_integers() -> None:
    assert shape("{ numbers }", {"numbers": [1.0, 2]})["data"] == {"numbers": [1, 2]}
    assert shape("{ numbers }", {"numbers": [2**31]})["data"] == {"numbers": None}


def test_null_in_non_null_field_bubbles_to_nearest_nullable_ancestor() -> None:
    out = shape("{ maybe { upc name } }", {"maybe": {"upc": None, "name": "n"}})
    assert out == {
        "data": {"maybe": None},
        "errors": [
            {
                "message": "Cannot return null for non-nullable field Product.upc.",
                "path": ["maybe", "upc"],
            }
        ],
    }


def test_null_bubbling_to_the_root_nulls_data() -> None:
    out = shape("{ products { upc } }", {"products": [{"upc": "a"}, {"upc": None}]})
    assert out["data"] is None
    assert out["errors"] == [
        {
            "message": "Cannot return null for non-nullable field Product.upc.",
            "path": ["products", 1, "upc"],
        }
    ]


def test_null_list_item_in_non_null_position() -> None:
    out = shape("{ products { upc } }", {"products": [None]})
    assert out["data"] is None
    assert out["errors"][0]["path"] == ["products", 0]


def test_missing_value_counts_as_null() -> None:
    out = shape("{ strict { inner { value } } }", {"strict": {"inner": {}}})
    assert out["data"] == {"strict": None}
    assert [e["path"] for e in out["errors"]] == [["strict", "inner", "value"]]


def test_no_extra_error_when_a_fetch_error_explains_the_null() -> None:
    fetch_error = {"message": "down", "path": ["strict", "inner"], "extensions": {}}
    out = shape("{ strict { inner { value } } }", {"strict": {"inner": None}}, errors=[fetch_error])
    assert out == {"data": {"strict": None}}
    pathless = {"message": "down", "extensions": {"serviceName": "x"}}
    out = shape("{ maybe { upc } }", {"maybe": {}}, errors=[pathless])
    assert out == {"data": {"maybe": None}}


def test_unrelated_fetch_error_does_not_hide_a_null_error() -> None:
    fetch_error = {"message": "other", "path": ["product"]}
    out = shape("{ maybe { upc } }", {"maybe": {}}, errors=[fetch_error])
    assert [e["path"] for e in out["errors"]] == [["maybe", "upc"]]


def test_object_expected_but_scalar_found() -> None:
    out = shape("{ maybe { upc } }", {"maybe": "oops"})
    assert out["data"] == {"maybe": None}
    assert out["errors"][0]["message"] == "Invalid value found for field Query.maybe."


def test_introspection_values_are_taken_from_the_local_answer() -> None:
    intro = {"__schema": {"queryType": {"name": "Query"}}}
    out = shape(
        "{ __schema { queryType { name } } maybe { upc } }",
        {"maybe": {"upc": "u"}},
        introspection=intro,
    )
    assert out == {"data": {"__schema": {"queryType": {"name": "Query"}}, "maybe": {"upc": "u"}}}


def test_introspection_document_runs_against_the_api_schema() -> None:
    document = parse(
        "query($n: String!) { __type(name: $n) { name kind } ...F }"
        " fragment F on Query { __schema { queryType { name } } }"
    )
    op = document.definitions[0]
    assert isinstance(op, OperationDefinitionNode)
    fragments = {"F": document.definitions[1]}
    compiled = compile_operation(INDEX, op, fragments)  # type: ignore[arg-type]
    assert compiled.introspection is not None
    assert compiled.introspection.uses_variables
    intro, errors = compiled.introspection.run(API, {"n": "Status"})
    assert errors == []
    out, _ = shape_response(compiled, INDEX, {}, {"n": "Status"}, [], intro, KERNEL.module)
    assert out == {
        "__type": {"name": "Status", "kind": "ENUM"},
        "__schema": {"queryType": {"name": "Query"}},
    }


def test_interface_object_typename_without_concrete_type_nulls_the_object() -> None:
    data = {"node": {"__typename": "Node", "id": "1"}}
    assert shape("{ node { id } }", data) == {"data": {"node": {"id": "1"}}}
    out = shape("{ node { id __typename } }", data)
    assert out["data"] == {"node": None}
