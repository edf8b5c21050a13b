"""A supergraph composition would refuse but a file can still contain (hand-edited, stale, or
from another composer): shipping's ``Order`` key is marked ``resolvable: false``, so
``Order.eta`` is reachable from nowhere. Asking for it fails at planning with ``data: null``
and an error, and no subgraph is called; everything else still plans.
"""

from __future__ import annotations

from tests.federation.harness.model import Case, Scenario, Subgraph, err
from tests.federation.harness.subgraph import by_key

ORDERS = {
    "o1": {"__typename": "Order", "id": "o1", "total": 120},
    "o2": {"__typename": "Order", "id": "o2", "total": 75},
}
ETAS = {"o1": {"id": "o1", "eta": "besok"}, "o2": {"id": "o2", "eta": "lusa"}}

SHIPPING_KEY = '@join__type(graph: SHIPPING, key: "id")'


def _non_resolvable(supergraph: str) -> str:
    return supergraph.replace(SHIPPING_KEY, SHIPPING_KEY[:-1] + ", resolvable: false)")


SCENARIO = Scenario(
    name="unsatisfiable_keys",
    description=__doc__ or "",
    edit_supergraph=_non_resolvable,
    subgraphs=[
        Subgraph(
            "orders",
            4278,
            "orders.graphql",
            resolvers={"Query": {"orders": lambda *_: list(ORDERS.values())}},
            references={"Order": by_key(ORDERS, "id")},
        ),
        Subgraph(
            "shipping",
            4279,
            "shipping.graphql",
            resolvers={"Query": {"carriers": lambda *_: [{"name": "Pos Sergai"}]}},
            references={"Order": by_key(ETAS, "id")},
        ),
    ],
    cases=[
        Case(
            "field-behind-non-resolvable-key",
            "{ orders { id eta } }",
            errors=[err(None, "")],
            calls={"orders": 0, "shipping": 0},
        ),
        Case(
            "field-behind-non-resolvable-key-beside-plannable-fields",
            "{ carriers { name } orders { total eta } }",
            errors=[err(None, "")],
            calls={"orders": 0, "shipping": 0},
        ),
        Case("plannable-fields-of-the-same-types", "{ orders { id total } carriers { name } }"),
    ],
)
