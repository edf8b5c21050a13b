"""Client operation features through the gateway: aliases, named/inline/nested fragments,
variables (defaults, enums, input objects, forwarded to joined subgraphs), ``@skip``/``@include``
(constant and variable, on fields, inline fragments and spreads), ``__typename``,
``operationName``, introspection, and request errors answered without any subgraph call."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

PRODUCTS = [
    {"id": "1", "name": "Dodol", "category": "FOOD", "price": 10.0, "tags": ["sweet"]},
    {"id": "2", "name": "Ulos", "category": "CRAFT", "price": 200.0, "tags": []},
    {"id": "3", "name": "Kopi", "category": "FOOD", "price": 25.5, "tags": ["hot", "bitter"]},
    {"id": "4", "name": "Tikar", "category": "CRAFT", "price": None, "tags": ["woven"]},
]
REVIEWS = {
    "1": [{"stars": 5, "comment": "Enak"}, {"stars": 4, "comment": None}],
    "2": [],
    "3": [{"stars": 3, "comment": "Pahit"}],
    "4": [{"stars": 1, "comment": "Rusak"}],
}


def _product(p: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Product", **p}


def _price(product: dict[str, Any], _info: Any, discount: float = 0) -> float | None:
    base = product["price"]
    return None if base is None else round(base * (1 - discount), 2)


def _products(_s: Any, _i: Any, limit: int = 3, category: str | None = None) -> list[Any]:
    return [_product(p) for p in PRODUCTS if category in (None, p["category"])][:limit]


def _products_by(_s: Any, _i: Any, filter: dict[str, Any]) -> list[Any]:
    out = []
    for p in PRODUCTS:
        if filter.get("category") not in (None, p["category"]):
            continue
        if filter.get("maxPrice") is not None and (
            p["price"] is None or p["price"] > filter["maxPrice"]
        ):
            continue
        out.append(_product(p))
    return out


def _reviews(product: dict[str, Any], _info: Any, first: int | None = None) -> list[Any]:
    found = REVIEWS[product["id"]]
    return found if first is None else found[:first]


def _rating(product: dict[str, Any], _info: Any) -> float | None:
    found = REVIEWS[product["id"]]
    return sum(r["stars"] for r in found) / len(found) if found else None


NO_CALLS = {"catalog": 0, "reviews": 0}

SCENARIO = Scenario(
    name="operations",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "catalog",
            4245,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "products": _products,
                    "product": lambda _s, _i, id: next(
                        (_product(p) for p in PRODUCTS if p["id"] == id), None
                    ),
                    "productsBy": _products_by,
                },
                "Product": {"price": _price},
            },
            references={
                "Product": lambda rep: next(
                    (_product(p) for p in PRODUCTS if p["id"] == rep["id"]), None
                )
            },
        ),
        Subgraph(
            "reviews",
            4246,
            "reviews.graphql",
            resolvers={"Product": {"reviews": _reviews, "rating": _rating}},
            references={"Product": lambda rep: {"id": rep["id"]} if rep["id"] in REVIEWS else None},
        ),
    ],
    cases=[
        # aliases
        Case(
            "aliases-root-nested-and-joined",
            "{ cheap: products(limit: 1) { label: name score: rating } "
            "all: products(limit: 4) { id } }",
        ),
        Case(
            "alias-same-field-different-arguments-joined",
            '{ product(id: "1") { one: reviews(first: 1) { stars } all: reviews { stars } '
            "full: price half: price(discount: 0.5) } }",
        ),
        # fragments
        Case(
            "named-fragments-nested",
            "query { products { ...Basic reviews { ...Rev } } } "
            "fragment Basic on Product { id name ...Pricing } "
            "fragment Pricing on Product { price rating } "
            "fragment Rev on Review { stars }",
        ),
        Case(
            "same-fragment-spread-twice-and-overlapping-fields",
            '{ product(id: "3") { ...F name ...F reviews { comment } reviews { stars } } } '
            "fragment F on Product { id rating }",
        ),
        Case(
            "inline-fragment-without-type-condition",
            "{ products(limit: 2) { ... { name } ... on Product { rating } } }",
        ),
        # variables
        Case(
            "variables-scalar-and-nullable",
            "query($id: ID!, $d: Float) { product(id: $id) { name price(discount: $d) } }",
            variables={"id": "3", "d": 0.1},
        ),
        Case(
            "variable-default-used",
            "query($limit: Int = 2) { products(limit: $limit) { id } }",
        ),
        Case(
            "variable-explicit-null-for-nullable-argument",
            "query($cat: Category) { products(limit: 4, category: $cat) { id } }",
            variables={"cat": None},
        ),
        Case(
            "variable-enum-and-input-object",
            "query($f: ProductFilter!) { productsBy(filter: $f) { name category } }",
            variables={"f": {"category": "FOOD", "maxPrice": 20}},
        ),
        Case(
            "variable-forwarded-to-joined-subgraph",
            "query($n: Int) { products { name reviews(first: $n) { stars } } }",
            variables={"n": 1},
        ),
        Case(
            "inline-input-object-literal",
            "{ productsBy(filter: {category: CRAFT}) { id rating } }",
        ),
        # @skip / @include
        Case(
            "constant-skip-and-include-on-fields",
            "{ products(limit: 2) { id name @skip(if: true) rating @include(if: true) "
            "tags @include(if: false) } }",
        ),
        Case(
            "variable-skip-on-joined-field-no-fetch",
            "query($noReviews: Boolean!) { products { name reviews @skip(if: $noReviews) "
            "{ stars } } }",
            variables={"noReviews": True},
            calls={"catalog": 1, "reviews": 0},
        ),
        Case(
            "variable-skip-false-on-joined-field",
            "query($noReviews: Boolean!) { products { name reviews @skip(if: $noReviews) "
            "{ stars } } }",
            variables={"noReviews": False},
            calls={"catalog": 1, "reviews": 1},
        ),
        Case(
            "variable-include-false-on-fragment-spread",
            "query($x: Boolean!) { products { id ...R @include(if: $x) } } "
            "fragment R on Product { rating name }",
            variables={"x": False},
            calls={"catalog": 1, "reviews": 0},
        ),
        Case(
            "variable-include-true-on-inline-fragment",
            "query($x: Boolean!) { products { id ... @include(if: $x) { rating } } }",
            variables={"x": True},
        ),
        Case(
            "skip-with-default-variable",
            "query($x: Boolean = true) { products(limit: 1) { id rating @skip(if: $x) } }",
            calls={"catalog": 1, "reviews": 0},
        ),
        Case(
            "whole-subselection-skipped",
            '{ product(id: "1") { name @skip(if: true) } }',
        ),
        Case(
            "field-skipped-once-included-once",
            '{ product(id: "1") { name @skip(if: true) name @include(if: true) '
            "rating @skip(if: true) } }",
        ),
        Case(
            "skip-and-include-both-on-one-field",
            'query($a: Boolean!, $b: Boolean!) { product(id: "1") { id '
            "rating @skip(if: $a) @include(if: $b) } }",
            variables={"a": False, "b": True},
        ),
        # __typename
        Case(
            "typename-everywhere",
            "{ __typename t: __typename products(limit: 1) { __typename kind: __typename "
            "reviews { __typename stars } ... on Product { __typename } } }",
        ),
        Case("typename-only-root", "{ __typename }", calls=NO_CALLS),
        # operation name
        Case(
            "operation-name-selects-operation",
            'query A { products(limit: 1) { name } } query B { product(id: "2") { name } }',
            operation_name="B",
        ),
        # introspection
        Case(
            "introspection-root-types",
            "{ __schema { queryType { name } mutationType { name } subscriptionType { name } } }",
            calls=NO_CALLS,
        ),
        Case(
            "introspection-type-fields-merged-across-subgraphs",
            '{ __type(name: "Product") { name kind fields { name args { name defaultValue } '
            "type { kind name ofType { kind name } } } } }",
            calls=NO_CALLS,
        ),
        Case(
            "introspection-hides-federation-machinery",
            '{ entity: __type(name: "_Entity") { name } any: __type(name: "_Any") { name } '
            'service: __type(name: "_Service") { name } graph: __type(name: "join__Graph") '
            '{ name } fieldSet: __type(name: "join__FieldSet") { name } '
            'query: __type(name: "Query") { fields { name } } }',
            calls=NO_CALLS,
        ),
        Case(
            "introspection-enum-and-input",
            '{ __type(name: "ProductFilter") { kind inputFields { name type { name } } } '
            'c: __type(name: "Category") { enumValues { name } } }',
            calls=NO_CALLS,
        ),
        Case(
            "introspection-mixed-with-data",
            '{ __typename products(limit: 1) { name rating } __type(name: "Review") '
            "{ fields { name } } }",
        ),
        # request errors: nothing reaches a subgraph
        Case(
            "syntax-error",
            "{ products { name }",
            errors=[err(None, "Syntax Error")],
            calls=NO_CALLS,
        ),
        Case(
            "unknown-field",
            "{ products { name colour } }",
            errors=[err(None, 'Cannot query field "colour" on type "Product"')],
            calls=NO_CALLS,
        ),
        Case(
            "missing-subselection",
            "{ products }",
            errors=[err(None, "must have a selection of subfields")],
            calls=NO_CALLS,
        ),
        Case(
            "wrong-argument-type",
            '{ products(limit: "two") { id } }',
            errors=[err(None, "Int cannot represent")],
            calls=NO_CALLS,
        ),
        Case(
            "missing-required-argument",
            "{ product { id } }",
            errors=[err(None, "is required")],
            calls=NO_CALLS,
        ),
        Case(
            "unknown-operation-name",
            "query A { products { id } }",
            operation_name="Nope",
            errors=[err(None, "Unknown operation named")],
            calls=NO_CALLS,
        ),
        Case(
            "several-operations-without-name",
            "query A { products { id } } query B { products { name } }",
            errors=[err(None, "Must provide operation name")],
            calls=NO_CALLS,
        ),
        Case(
            "missing-required-variable",
            "query($id: ID!) { product(id: $id) { name } }",
            errors=[err(None, 'Variable "$id"')],
            calls=NO_CALLS,
        ),
        Case(
            "variable-of-wrong-type",
            "query($limit: Int) { products(limit: $limit) { id } }",
            variables={"limit": "many"},
            errors=[err(None, "Int cannot represent")],
            calls=NO_CALLS,
        ),
        Case(
            "invalid-enum-variable",
            "query($f: ProductFilter!) { productsBy(filter: $f) { id } }",
            variables={"f": {"category": "TOYS"}},
            errors=[err(None, "TOYS")],
            calls=NO_CALLS,
        ),
        Case(
            "undefined-variable",
            "{ product(id: $id) { name } }",
            errors=[err(None, 'Variable "$id" is not defined')],
            calls=NO_CALLS,
        ),
        Case(
            "unknown-fragment",
            "{ products { ...Missing } }",
            errors=[err(None, 'Unknown fragment "Missing"')],
            calls=NO_CALLS,
        ),
        Case(
            "fragment-on-wrong-type",
            "{ products { ... on Review { stars } } }",
            errors=[err(None, "can never be of type")],
            calls=NO_CALLS,
        ),
        Case(
            "conflicting-aliases",
            "{ products { x: name x: id } }",
            errors=[err(None, "conflict")],
            calls=NO_CALLS,
        ),
    ],
)
