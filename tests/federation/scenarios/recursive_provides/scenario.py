"""A self-referencing type with ``@provides`` (``Node.parent`` provides ``name``): planning
terminates and, at every depth, only names reached through ``parent`` may be taken from tree
(tree returns no name elsewhere, so using an unprovided ``@external`` value shows as null)."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

NODES = {
    "n1": {"name": "Kabupaten", "parent": None, "children": ["n2", "n3"]},
    "n2": {"name": "Kecamatan A", "parent": "n1", "children": ["n4"]},
    "n3": {"name": "Kecamatan B", "parent": "n1", "children": []},
    "n4": {"name": "Desa", "parent": "n2", "children": []},
}


def _node(nid: str | None, with_name: bool = False) -> dict[str, Any] | None:
    if nid is None:
        return None
    n = NODES[nid]
    out: dict[str, Any] = {
        "__typename": "Node",
        "id": nid,
        "parent": lambda _info: _node(n["parent"], with_name=True),
        "children": lambda _info: [_node(c) for c in n["children"]],
    }
    if with_name:
        out["name"] = n["name"]
    return out


SCENARIO = Scenario(
    name="recursive_provides",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "tree",
            4295,
            "tree.graphql",
            resolvers={"Query": {"root": lambda *_: _node("n4")}},
            references={"Node": lambda rep: _node(rep["id"])},
        ),
        Subgraph(
            "names",
            4296,
            "names.graphql",
            references={
                "Node": by_key({k: {"id": k, "name": v["name"]} for k, v in NODES.items()}, "id")
            },
        ),
    ],
    cases=[
        Case(
            "provided-at-every-depth",
            "{ root { parent { name parent { name parent { id name } } } } }",
            calls={"tree": 1},
        ),
        Case(
            "root-name-not-provided",
            "{ root { name parent { name } } }",
            calls={"tree": 1, "names": 1},
        ),
        Case(
            "children-names-not-provided-their-parents-are",
            "{ root { parent { children { name parent { name } } } } }",
            calls={"tree": 1, "names": 1},
        ),
        Case(
            "fragments-on-recursive-path",
            "{ root { ...N parent { ...N parent { ...N } } } } fragment N on Node { id name }",
        ),
    ],
)
