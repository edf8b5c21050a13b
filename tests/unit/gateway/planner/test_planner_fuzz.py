"""Seeded random queries over every differential fixture: gateway answer == monolith.

Queries pick random fields (with ``__typename``, aliases, fragments on possible types,
conditional fragments with variables); the seed makes every run identical.
"""

from __future__ import annotations

import random
from collections.abc import Mapping

import pytest
from graphql import (
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from planner_harness import Scenario
from test_planner_diff_abstract import WORLD as ABSTRACT
from test_planner_diff_complex import WORLD as COMPLEX
from test_planner_diff_ifaceobj2 import WORLD as IFACEOBJ2
from test_planner_diff_keys import WORLD as KEYS
from test_planner_diff_misc import WORLD as MISC
from test_planner_diff_more import FED1, IFACEOBJ, OVERRIDE, PARENT
from test_planner_diff_nodes import WORLD as NODES
from test_planner_diff_requires import WORLD as REQUIRES
from test_planner_diff_shop import WORLD as SHOP

# required arguments the generator cannot invent
ARGUMENTS: Mapping[tuple[str, str], str] = {
    ("Query", "product"): '(upc: "p1")',
}
REQUIRES_ARGS: Mapping[tuple[str, str], str] = {("Query", "product"): '(id: "p1")'}

FIXTURES = {
    "shop": (SHOP, ARGUMENTS),
    "abstract": (ABSTRACT, {("Query", "node"): '(id: "c1")'}),
    "keys": (KEYS, {}),
    "requires": (REQUIRES, REQUIRES_ARGS),
    "fed1": (FED1, {}),
    "parent": (PARENT, {}),
    "ifaceobj": (IFACEOBJ, {}),
    "override": (OVERRIDE, {}),
    "misc": (MISC, {}),
    "complex": (COMPLEX, {}),
    "nodes": (NODES, {("Query", "node"): '(id: "u1")'}),
    "ifaceobj2": (IFACEOBJ2, {}),
}
QUERIES_PER_FIXTURE = 25


class QueryGenerator:
    def __init__(
        self, schema: GraphQLSchema, arguments: Mapping[tuple[str, str], str], seed: int
    ) -> None:
        self.schema = schema
        self.arguments = arguments
        self.rng = random.Random(seed)
        self.uses_flag = False
        self.fragments: list[str] = []

    def query(self) -> str:
        root = self.schema.query_type
        assert root is not None
        self.uses_flag = False
        self.fragments = []
        body = self.selection(root, depth=0)
        head = "query($flag: Boolean!)" if self.uses_flag else "query"
        return " ".join([f"{head} {{ {body} }}", *self.fragments])

    def _fragment(self, type_name: str, body: str) -> str:
        if self.rng.random() < 0.25:
            name = f"F{len(self.fragments)}"
            self.fragments.append(f"fragment {name} on {type_name} {{ {body} }}")
            return f"...{name}"
        return f"... on {type_name} {{ {body} }}"

    def _fields(
        self, parent: GraphQLObjectType | GraphQLInterfaceType
    ) -> list[tuple[str, GraphQLField]]:
        usable = []
        for name, fld in parent.fields.items():
            required = [
                a for a in fld.args.values() if is_non_null_type(a.type) and a.default_value is None
            ]
            if required and (parent.name, name) not in self.arguments:
                continue
            usable.append((name, fld))
        return usable

    def selection(
        self, parent: GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType, depth: int
    ) -> str:
        parts: list[str] = []
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            fields = self._fields(parent)
            count = self.rng.randint(1, min(4, len(fields))) if fields else 0
            for name, fld in self.rng.sample(fields, count):
                parts.append(self.field(parent, name, fld, depth))
        if isinstance(parent, GraphQLInterfaceType | GraphQLUnionType) and depth < 4:
            for t in self.schema.get_possible_types(parent):
                if self.rng.random() < 0.5:
                    parts.append(self._fragment(t.name, self.selection(t, depth + 1)))
        if parent.name != "Query" and (not parts or self.rng.random() < 0.25):
            parts.append(self.rng.choice(["__typename", "t: __typename"]))
        if parent.name != "Query" and self.rng.random() < 0.15 and parts:
            self.uses_flag = True
            kind = self.rng.choice(["include", "skip"])
            parts[-1] = f"... @{kind}(if: $flag) {{ {parts[-1]} }}"

        return " ".join(parts)

    def field(
        self,
        parent: GraphQLObjectType | GraphQLInterfaceType,
        name: str,
        fld: GraphQLField,
        depth: int,
    ) -> str:
        text = name + self.arguments.get((parent.name, name), "")
        if self.rng.random() < 0.15:
            text = f"{name}_{self.rng.randint(0, 9)}: {text}"
        if parent.name != "Query" and self.rng.random() < 0.08:
            self.uses_flag = True
            text += f" @{self.rng.choice(['include', 'skip'])}(if: $flag)"
        named = get_named_type(fld.type)
        if is_leaf_type(named):
            return text
        assert isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLUnionType)
        if depth >= 4:
            return f"{text} {{ __typename }}"
        return f"{text} {{ {self.selection(named, depth + 1)} }}"


@pytest.mark.parametrize("fixture", sorted(FIXTURES))
def test_random_queries_answer_like_the_monolith(fixture: str) -> None:
    world, arguments = FIXTURES[fixture]
    scenario = Scenario(fixture, world)
    generator = QueryGenerator(
        scenario.state.supergraph.api_schema, arguments, seed=sum(map(ord, fixture))
    )
    for _ in range(QUERIES_PER_FIXTURE):
        query = generator.query()
        variables = {"flag": generator.rng.random() < 0.5} if generator.uses_flag else None
        scenario.check(query, variables)
