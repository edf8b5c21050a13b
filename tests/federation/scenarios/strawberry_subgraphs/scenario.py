"""Strawberry subgraphs (strawberry's own federation: keys, ``resolve_reference``, an
``@external`` field and ``@requires``) next to a plain graphql-core subgraph."""

from __future__ import annotations

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key
from tests.federation.scenarios.strawberry_subgraphs.strawberry_schemas import (
    permits_schema,
    sla_schema,
)

DISTRICTS = {
    "SRP": {"code": "SRP", "name": "Sei Rampah"},
    "PRB": {"code": "PRB", "name": "Perbaungan"},
}

SCENARIO = Scenario(
    name="strawberry_subgraphs",
    description=__doc__ or "",
    subgraphs=[
        Subgraph("permits", 4275, strawberry_schema=permits_schema),
        Subgraph(
            "districts",
            4276,
            "districts.graphql",
            resolvers={"Query": {"districts": lambda *_: list(DISTRICTS.values())}},
            references={"District": by_key(DISTRICTS, "code")},
        ),
        Subgraph("sla", 4277, strawberry_schema=sla_schema),
    ],
    cases=[
        Case(
            "strawberry-root-field",
            "{ permits { id applicant status } }",
            calls={"permits": 1, "districts": 0, "sla": 0},
        ),
        Case(
            "strawberry-to-graphql-core-entity",
            "{ permits { id district { code name } } }",
            calls={"permits": 1, "districts": 1},
        ),
        Case(
            "strawberry-requires-across-strawberry-subgraphs",
            "{ permits { id daysOpen overdue } }",
            calls={"permits": 1, "sla": 1},
        ),
        Case(
            "three-subgraphs-in-one-query",
            '{ permit(id: "2") { applicant status overdue district { name } } }',
        ),
        Case("strawberry-root-of-extending-subgraph", "{ overdueCount }"),
        Case(
            "strawberry-enum-variable-and-null-entity",
            'query($id: ID!) { permit(id: $id) { __typename id } missing: permit(id: "9") { id } }',
            variables={"id": "3"},
        ),
    ],
)
