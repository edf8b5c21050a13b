"""Nested ``@requires``: a required selection with object fields two levels down, a list of
objects, a nested field that only a third subgraph resolves (behind an entity key), and a
field whose requirement is itself a ``@requires`` field of another subgraph."""

from __future__ import annotations

from typing import Any

from tests.federation.harness.model import Case, Scenario, Subgraph
from tests.federation.harness.subgraph import by_key

ITEMS = {
    "i1": {
        "id": "i1",
        "name": "Meja kantor",
        "spec": {"material": "jati", "size": {"width": 120, "height": 75}},
        "owner": {"__typename": "Owner", "id": "o1"},
        "parts": [{"code": "top", "weight": 20}, {"code": "leg", "weight": 5}],
    },
    "i2": {
        "id": "i2",
        "name": "Kursi",
        "spec": {"material": None, "size": None},
        "owner": {"__typename": "Owner", "id": "o2"},
        "parts": [],
    },
    "i3": {
        "id": "i3",
        "name": "Lemari",
        "spec": None,
        "owner": None,
        "parts": [{"code": "door", "weight": 12}],
    },
}
OWNERS = {
    "o1": {"id": "o1", "name": "Dinas Kominfo", "region": {"kecamatan": "Sei Rampah"}},
    "o2": {"id": "o2", "name": None, "region": None},
}


def _item(i: dict[str, Any]) -> dict[str, Any]:
    return {"__typename": "Item", **i}


def _dims(item: dict[str, Any], _info: Any, unit: str) -> dict[str, int] | None:
    spec = ITEMS[item["id"]]["spec"]
    if spec is None or spec["size"] is None:
        return None
    factor = {"cm": 1, "mm": 10, "m": 0}[unit]
    return {k: v * factor for k, v in spec["size"].items()}


def _crate_label(item: dict[str, Any], _info: Any) -> str:
    dims = item["dims"]
    return "-" if dims is None else f"{dims['width']}x{dims['height']} mm"


def _base_price(item: dict[str, Any], _info: Any) -> int | None:
    spec = item["spec"]
    if spec is None or spec["size"] is None:
        return None
    factor = 3 if spec["material"] == "jati" else 1
    return spec["size"]["width"] * spec["size"]["height"] * factor


def _parts_weight(item: dict[str, Any], _info: Any) -> int:
    return sum(p["weight"] for p in item["parts"])


def _owner_label(item: dict[str, Any], _info: Any) -> str | None:
    owner = item["owner"]
    if owner is None:
        return None
    region = owner["region"]
    return f"{owner['name'] or '?'} ({region['kecamatan'] if region else '-'})"


def _invoice_line(item: dict[str, Any], _info: Any) -> str:
    spec = item["spec"]
    width = spec["size"]["width"] if spec and spec["size"] else "?"
    price = "?" if item["basePrice"] is None else item["basePrice"]
    return f"{item['id']}: {price} / w={width}"


SCENARIO = Scenario(
    name="nested_requires",
    description=__doc__ or "",
    subgraphs=[
        Subgraph(
            "catalog",
            4700,
            "catalog.graphql",
            resolvers={
                "Query": {
                    "items": lambda *_: [_item(i) for i in ITEMS.values()],
                    "item": lambda _s, _i, id: _item(ITEMS[id]) if id in ITEMS else None,
                },
                "Item": {"dims": _dims},
            },
            references={
                "Item": by_key({k: _item(i) for k, i in ITEMS.items()}, "id"),
                "Owner": lambda rep: {"__typename": "Owner", "id": rep["id"]},
            },
        ),
        Subgraph(
            "people",
            4701,
            "people.graphql",
            references={"Owner": by_key(OWNERS, "id")},
        ),
        Subgraph(
            "pricing",
            4702,
            "pricing.graphql",
            resolvers={
                "Item": {
                    "basePrice": _base_price,
                    "partsWeight": _parts_weight,
                    "ownerLabel": _owner_label,
                    "crateLabel": _crate_label,
                }
            },
            references={"Item": lambda rep: rep, "Owner": lambda rep: rep},
        ),
        Subgraph(
            "billing",
            4703,
            "billing.graphql",
            resolvers={"Item": {"invoiceLine": _invoice_line}},
            references={"Item": lambda rep: rep},
        ),
    ],
    cases=[
        Case(
            "two-levels-of-object-fields",
            "{ items { id basePrice } }",
            calls={"catalog": 1, "pricing": 1, "people": 0, "billing": 0},
        ),
        Case(
            "nested-required-fields-not-leaked",
            '{ item(id: "i1") { name basePrice } }',
        ),
        Case(
            "client-selects-part-of-the-nested-requirement",
            "{ items { spec { size { height } } basePrice } }",
        ),
        Case("list-of-objects", "{ items { id partsWeight } }"),
        Case(
            "nested-field-from-third-subgraph",
            "{ items { id ownerLabel } }",
            calls={"catalog": 1, "people": 1, "pricing": 1},
        ),
        Case(
            "nested-field-from-third-subgraph-with-client-selection",
            "{ items { owner { name } ownerLabel } }",
        ),
        Case("argument-inside-the-nested-requirement", "{ items { id crateLabel } }"),
        Case(
            "argument-inside-the-nested-requirement-and-client-default",
            "{ items { dims { width } crateLabel } }",
            spec={
                "data": {
                    "items": [
                        {"dims": {"width": 120}, "crateLabel": "1200x750 mm"},
                        {"dims": None, "crateLabel": "-"},
                        {"dims": None, "crateLabel": "-"},
                    ]
                }
            },
            note=(
                'crateLabel requires dims(unit: "mm") while the client selects dims with its '
                "default unit (cm): the two must be fetched apart (aliased); Apollo Gateway "
                "fetches dims once, in cm, and hands crateLabel 120x75."
            ),
        ),
        Case(
            "argument-inside-the-nested-requirement-and-client-same-argument",
            '{ item(id: "i1") { dims(unit: "mm") { height } crateLabel } }',
        ),
        Case(
            "requires-a-requires-field",
            "{ items { id invoiceLine } }",
            calls={"catalog": 1, "pricing": 1, "billing": 1, "people": 0},
        ),
        Case(
            "requires-a-requires-field-and-the-field-itself",
            '{ item(id: "i1") { basePrice invoiceLine partsWeight ownerLabel } }',
        ),
        Case(
            "all-nested-requirements-at-once",
            "{ items { name basePrice partsWeight ownerLabel invoiceLine } }",
        ),
    ],
)
