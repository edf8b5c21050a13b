"""Cost estimation and measurement (Apollo Router's static_estimated rules)."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import build_schema, parse

from gateway.demand.actual import actual_cost
from gateway.demand.control import CostReport
from gateway.demand.estimate import PlanCost
from gateway.demand.schema import CostSchema
from gateway.plan import ConditionNode, FetchNode, FlattenNode, ParallelNode, SequenceNode

SDL = """
directive @cost(weight: Int!) on ARGUMENT_DEFINITION | ENUM | FIELD_DEFINITION
  | INPUT_FIELD_DEFINITION | OBJECT | SCALAR
directive @listSize(assumedSize: Int, slicingArguments: [String!], sizedFields: [String!],
  requireOneSlicingArgument: Boolean = true) on FIELD_DEFINITION

type Query {
  book(id: ID!): Book
  books(first: Int, last: Int): [Book!]! @listSize(slicingArguments: ["first", "last"])
  shelf(size: Int = 3): Shelf @listSize(slicingArguments: ["size"], sizedFields: ["books"])
  find(filter: Filter @cost(weight: 4), tags: [String!] @cost(weight: 2)): [Book!]!
    @listSize(assumedSize: 4)
  media: [Media!]!
}
type Mutation { addBook(title: String!): Book }
type Shelf { books: [Book!]! label: String }
type Book implements Media { id: ID! title: String! @cost(weight: 3) author: Author }
type Author @cost(weight: 7) { name: String }
interface Media { id: ID! }
input Filter { title: String @cost(weight: 5) year: Int }
"""


@pytest.fixture(scope="module")
def costs() -> PlanCost:
    return PlanCost(CostSchema(build_schema(SDL)), list_size=10)


@pytest.mark.parametrize(
    ("operation", "variables", "expected"),
    [
        ('{ book(id: "1") { id } }', {}, 1),  # an object 1, a scalar 0
        ('{ book(id: "1") { title } }', {}, 4),  # @cost on a field
        ('{ book(id: "1") { author { name } } }', {}, 8),  # @cost on the field's type
        ("{ books { id } }", {}, 10),  # configured list size
        ("{ books(first: 2, last: 5) { id } }", {}, 5),  # the largest slicing argument
        ("query($n: Int) { books(first: $n) { id } }", {"n": 7}, 7),  # from a variable
        ("{ shelf { books { id } } }", {}, 4),  # default size 3 sizes the books: 1 + 3
        ("{ shelf(size: 2) { label books { title } } }", {}, 9),  # 1 + 2 × 4
        ("{ find { id } }", {}, 4),  # assumedSize
        ('{ find(filter: {title: "x", year: 1}) { id } }', {}, 4 + 4 + 5),  # input object
        ('{ find(tags: ["a", "b"]) { id } }', {}, 4 + 2 + 2 + 2),  # list + items
        ("query($f: Filter) { find(filter: $f) { id } }", {"f": {"year": 2}}, 4 + 4),
        ("{ media { id } }", {}, 10),  # interfaces weigh like objects
        ('mutation { addBook(title: "x") { id } }', {}, 11),  # mutations start at 10
        ('{ book(id: "1") { __typename } }', {}, 1),  # __typename is free
        ('{ book(id: "1") @skip(if: true) { id } }', {}, 0),
        ('{ book(id: "1") @include(if: false) { id } }', {}, 0),
    ],
)
def test_estimated_cost_of_one_operation(
    costs: PlanCost, operation: str, variables: dict[str, Any], expected: float
) -> None:
    assert costs.operation(operation, variables) == expected


def test_entities_are_a_list_of_the_configured_size(costs: PlanCost) -> None:
    op = (
        "query($representations:[_Any!]!){_entities(representations:$representations)"
        "{... on Book{title}}}"
    )
    assert costs.operation(op, {"representations": [{}, {}]}) == 10 * (1 + 3)


def test_plan_cost_sums_fetches_and_takes_the_dearer_condition_branch(costs: PlanCost) -> None:
    cheap = FetchNode("a", '{ book(id: "1") { id } }')  # 1
    dear = FetchNode("a", "{ books { title } }")  # 40
    plan = SequenceNode(
        (
            cheap,
            ParallelNode((FlattenNode(("book",), cheap), cheap)),
            ConditionNode("v", dear, cheap),
        )
    )
    assert costs.plan(plan, {}) == 1 + 1 + 1 + 40


def test_actual_cost_follows_the_data(costs: PlanCost) -> None:
    doc = parse('{ books { title author { name } } book(id: "1") { id author { name } } }')
    data = {
        "books": [
            {"title": "a", "author": {"name": "x"}},
            {"title": "b", "author": None},
        ],
        "book": None,
    }
    # books: 2 × (1 + title 3 + author 7): a null value still costs its explicit @cost
    # (Apollo Router's rule), so the null author counts 7; the null book (no @cost) nothing
    assert actual_cost(costs, doc, None, data, {}) == 2 * (1 + 3 + 7)


def test_report_wording_and_result() -> None:
    report = CostReport(estimated=212.0, max=100.0, mode="enforce")
    assert report.refused and report.result == "COST_ESTIMATED_TOO_EXPENSIVE"
    assert report.error()["message"] == "query estimated cost 212 exceeded configured maximum 100"
    measured = CostReport(estimated=212.0, max=100.0, mode="measure")
    assert not measured.refused
