"""Apollo's authorization directives in composition: ``@authenticated``, ``@requiresScopes``
and ``@policy`` reach the supergraph (linked ``for: SECURITY``), and where one element
carries ``@requiresScopes``/``@policy`` in several subgraphs the requirements are joined
with Apollo's ``DNF_CONJUNCTION`` strategy: every subgraph's condition must hold.

A condition is a disjunction of conjunctions (``[["a", "b"], ["c"]]`` = a∧b ∨ c); the
conjunction of two is every pairing of their clauses, with duplicate clauses and clauses
that contain another (absorbed: x ∨ x∧y = x) dropped.
"""

from __future__ import annotations

from collections.abc import Sequence

from graphql import (
    ArgumentNode,
    DirectiveNode,
    ListValueNode,
    NameNode,
    StringValueNode,
    print_ast,
    value_from_ast_untyped,
)

from gateway.compose.subgraph import Applied

# canonical name → (spec URL, link purpose, definition template, argument, scalar)
SPECS = {
    "authenticated": (
        "https://specs.apollo.dev/authenticated/v0.1",
        ", for: SECURITY",
        "directive @{n} on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    "requiresScopes": (
        "https://specs.apollo.dev/requiresScopes/v0.1",
        ", for: SECURITY",
        "directive @{n}(scopes: [[requiresScopes__Scope!]!]!) "
        "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
    "policy": (
        "https://specs.apollo.dev/policy/v0.1",
        ", for: SECURITY",
        "directive @{n}(policies: [[policy__Policy!]!]!) "
        "on FIELD_DEFINITION | OBJECT | INTERFACE | SCALAR | ENUM",
    ),
}
SCALARS = {"requiresScopes": "requiresScopes__Scope", "policy": "policy__Policy"}
ARGUMENT = {"requiresScopes": "scopes", "policy": "policies"}

Clause = tuple[str, ...]


def conjunction(conditions: Sequence[Sequence[Clause]]) -> list[Clause]:
    """The DNF of ``c1 ∧ c2 ∧ …`` for DNFs ``conditions``."""
    result: list[Clause] = [()]
    for condition in conditions:
        result = [
            left + tuple(x for x in right if x not in left)
            for left in result
            for right in condition
        ]
    unique: list[Clause] = []
    for clause in result:
        if not any(set(clause) == set(seen) for seen in unique):
            unique.append(clause)
    return [c for c in unique if not any(set(o) < set(c) for o in unique)]


def _condition(applied: Applied, argument: str) -> list[Clause]:
    node = applied.args.get(argument)
    value = value_from_ast_untyped(node) if node is not None else []
    if not isinstance(value, list):
        return []
    return [
        tuple(str(x) for x in clause) if isinstance(clause, list) else (str(clause),)
        for clause in value
    ]


def merged(canonical: str, name: str, applications: Sequence[Applied]) -> str:
    """The one supergraph application for ``applications`` of a DNF directive."""
    argument = ARGUMENT[canonical]
    joined = conjunction([_condition(a, argument) for a in applications])
    value = ListValueNode(
        values=tuple(
            ListValueNode(values=tuple(StringValueNode(value=x) for x in clause))
            for clause in joined
        )
    )
    node = DirectiveNode(
        name=NameNode(value=name),
        arguments=(ArgumentNode(name=NameNode(value=argument), value=value),),
    )
    return print_ast(node)
