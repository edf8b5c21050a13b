"""Unions and interfaces whose members (or implementations) differ per subgraph, where a
shareable type lets a planner believe another subgraph could serve a member it lacks.

* ``Response.actions`` is shareable, but ``Action`` is ``Alpha | Beta | Gamma`` in primary and
  ``Alpha`` alone in secondary: every fragment the answering subgraph knows stays in its fetch.
* ``Wrapper.steps`` is shareable with ``Step = Common | OnlyA`` (primary) vs
  ``Common | OnlyB`` (secondary): the subgraph that answers gives its own members.
* ``Oven`` implements ``Node``/``WithWarranty`` only in secondary: ``... on Node { id }`` on a
  primary union still selects ``id`` of ovens (as ``... on Oven``), never a spread primary
  would reject.
"""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph, err

ACTIONS = [
    {"__typename": "Alpha", "id": "a1", "value": "usulan"},
    {"__typename": "Beta", "id": "b1", "name": "verifikasi", "details": "oleh Bappeda"},
    {"__typename": "Gamma", "id": "g1", "label": "selesai"},
]
COMMON = {"__typename": "Common", "label": "umum"}
A_STEPS = [COMMON, {"__typename": "OnlyA", "a": "khusus A"}]
B_STEPS = [COMMON, {"__typename": "OnlyB", "b": "khusus B"}]
SHARED_STEPS = [COMMON]
PRODUCTS = [
    {"__typename": "Oven", "id": "oven1"},
    {"__typename": "Oven", "id": "oven2"},
    {"__typename": "Toaster", "id": "toaster1", "warranty": 3},
    {"__typename": "Toaster", "id": "toaster2", "warranty": 4},
]
TOASTERS = [p for p in PRODUCTS if p["__typename"] == "Toaster"]


def _container(steps: list[dict[str, Any]]) -> dict[str, Any]:
    return {"__typename": "Container", "id": "c1", "steps": steps}


def _wrapper(default: list[dict[str, Any]]) -> Any:
    return lambda source, _info: {"steps": source.get("steps", default)}


def _node(_s: Any, _i: Any, id: str) -> Any:  # noqa: A002 - the argument's name
    return next((p for p in PRODUCTS if p["id"] == id), None)


def _oven_in_secondary(rep: dict[str, Any]) -> Any:
    if any(p["id"] == rep["id"] and p["__typename"] == "Oven" for p in PRODUCTS):
        return {"__typename": "Oven", "id": rep["id"], "warranty": 1}
    return None


def _in_primary(typename: str) -> Any:
    return lambda rep: next(
        (p for p in PRODUCTS if p["id"] == rep["id"] and p["__typename"] == typename), None
    )


OWN_PATH_NOTE = (
    "rootA/rootB exist in one subgraph only, so that subgraph alone answers the path and all "
    "its Step members can come back (Hive's partial-union-complex audit case). Apollo Gateway "
    "2.14 drops the member fragment because Wrapper.steps is shareable and answers null."
)
STEPS_ALL = "__typename ... on Common { label } ... on OnlyA { a } ... on OnlyB { b }"

SCENARIO = Scenario(
    name="partial_unions",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "primary",
            4267,
            "primary.graphql",
            resolvers={
                "Query": {
                    "response": lambda *_: {"message": "alur usulan", "actions": ACTIONS},
                    "rootA": lambda *_: _container(A_STEPS),
                    "shared": lambda *_: _container(SHARED_STEPS),
                    "products": lambda *_: PRODUCTS,
                    "node": _node,
                    "nodes": lambda *_: TOASTERS,
                    "toasters": lambda *_: TOASTERS,
                },
                "Container": {"wrapper": _wrapper(A_STEPS)},
            },
            references={
                "Container": lambda rep: _container(A_STEPS) if rep["id"] == "c1" else None,
                "Oven": _in_primary("Oven"),
                "Toaster": _in_primary("Toaster"),
            },
        ),
        Subgraph(
            "secondary",
            4268,
            "secondary.graphql",
            resolvers={
                "Query": {
                    "rootB": lambda *_: _container(B_STEPS),
                    "shared": lambda *_: _container(SHARED_STEPS),
                },
                "Container": {
                    "wrapper": _wrapper(B_STEPS),
                    "bWrapper": lambda *_: {"steps": B_STEPS},
                },
            },
            references={
                "Container": lambda rep: _container(B_STEPS) if rep["id"] == "c1" else None,
                "Oven": _oven_in_secondary,
            },
        ),
    ],
    cases=[
        Case(
            "shareable-type-members-only-the-answering-subgraph-knows",
            "{ response { message actions { __typename ... on Alpha { id value } "
            "... on Beta { id name details } ... on Gamma { id label } } } }",
            calls={"primary": 1, "secondary": 0},
        ),
        Case(
            "shareable-type-only-members-missing-elsewhere",
            "{ response { actions { __typename ... on Beta { name } ... on Gamma { label } } } }",
            calls={"primary": 1, "secondary": 0},
        ),
        Case(
            "shareable-list-from-first-subgraph-keeps-its-members",
            f"{{ rootA {{ wrapper {{ steps {{ {STEPS_ALL} }} }} }} }}",
            calls={"primary": 1, "secondary": 0},
            spec={
                "data": {
                    "rootA": {
                        "wrapper": {
                            "steps": [
                                {"__typename": "Common", "label": "umum"},
                                {"__typename": "OnlyA", "a": "khusus A"},
                            ]
                        }
                    }
                }
            },
            note=OWN_PATH_NOTE,
        ),
        Case(
            "shareable-list-from-second-subgraph-keeps-its-members",
            f"{{ rootB {{ wrapper {{ steps {{ {STEPS_ALL} }} }} }} }}",
            calls={"primary": 0, "secondary": 1},
            spec={
                "data": {
                    "rootB": {
                        "wrapper": {
                            "steps": [
                                {"__typename": "Common", "label": "umum"},
                                {"__typename": "OnlyB", "b": "khusus B"},
                            ]
                        }
                    }
                }
            },
            note=OWN_PATH_NOTE,
        ),
        Case(
            "shareable-list-fragment-on-other-subgraphs-member",
            "{ rootA { wrapper { steps { __typename ... on OnlyB { b } } } } }",
            calls={"primary": 1, "secondary": 0},
        ),
        Case(
            "shareable-root-and-list-common-member",
            f"{{ shared {{ wrapper {{ steps {{ {STEPS_ALL} }} }} }} }}",
        ),
        Case(
            "entity-field-of-other-subgraph-keeps-its-members",
            f"{{ rootA {{ bWrapper {{ steps {{ {STEPS_ALL} }} }} }} }}",
            calls={"primary": 1, "secondary": 1},
        ),
        Case(
            "interface-fragment-on-union-member-implementing-it-elsewhere",
            "{ products { ... on Node { id } } }",
            calls={"primary": 1},
        ),
        Case(
            "interface-fragment-and-member-fragment-from-other-subgraph",
            "{ products { __typename ... on WithWarranty { warranty } } }",
        ),
        Case(
            "interface-field-fragments-on-implementation-it-lacks",
            "{ nodes { ... on Toaster { warranty } ... on Oven { id } } }",
            calls={"primary": 1, "secondary": 0},
        ),
        Case("interface-field-plain", "{ nodes { id } }"),
        Case(
            "interface-nested-spreads",
            "{ nodes { ... on Node { id ... on Node { id ... on WithWarranty { warranty } } } } }",
        ),
        Case(
            "named-fragments-on-object-and-interface",
            "{ toasters { ...T ...N } } fragment T on Toaster { id } "
            "fragment N on Node { id __typename }",
        ),
        Case(
            "object-not-implementing-the-interface-in-its-subgraph-is-an-error",
            '{ node(id: "oven1") { ... on Oven { warranty } } }',
            errors=[err("node", "")],
        ),
        Case(
            "implementation-fragment-on-other-type-is-an-error",
            '{ node(id: "oven1") { ... on Toaster { warranty } } }',
            errors=[err("node", "")],
        ),
        Case(
            "implementation-of-the-subgraph",
            '{ node(id: "toaster1") { ... on Toaster { warranty } } }',
        ),
    ],
)
