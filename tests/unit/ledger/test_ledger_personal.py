"""The event schemas mark what is personal, and agree with the services' own list: a
payload property named like a service's personal GraphQL field is marked, so the ledger
withholds it from a principal without personal:read (``services.ledger.personal``)."""

from __future__ import annotations

import json

from services.catalog import CATALOG
from services.kit.envelope import SCHEMA_DIR
from services.kit.spec import EVENT_TYPE_PREFIX
from services.ledger.personal import (
    PROPERTY_MARK,
    PersonalParts,
    personal_parts,
    personal_subject_types,
    withhold,
)


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def test_every_property_named_like_a_personal_field_is_marked() -> None:
    checked = 0
    for entry in CATALOG:
        spec = getattr(entry.load(), "SPEC", None)
        if spec is None:
            continue  # the ledger publishes no status events of its own
        personal = {_camel(f.split(".", 1)[1]) for f in spec.personal_fields}
        for path in SCHEMA_DIR.glob(f"{EVENT_TYPE_PREFIX}.{entry.name}.*.schema.json"):
            properties = json.loads(path.read_text())["properties"]
            for name in personal & set(properties):
                assert properties[name].get(PROPERTY_MARK) is True, (path.name, name)
                checked += 1
    assert checked >= 6  # personnel's three employee events: nip and name


def test_employee_events_withhold_nip_name_and_subject() -> None:
    mutated = f"{EVENT_TYPE_PREFIX}.personnel.employee.mutated"
    assert personal_parts()[mutated] == PersonalParts(frozenset({"nip", "name"}), True)
    data, hidden, subject = withhold(mutated, {"nip": "1", "name": "A", "opd": "BKD"})
    assert data == {"nip": None, "name": None, "opd": "BKD"}
    assert hidden == ["name", "nip"] and subject
    permit = f"{EVENT_TYPE_PREFIX}.licensing.permit.status_changed"
    assert withhold(permit, {"permitId": "x"}) == ({"permitId": "x"}, [], False)


def test_the_personal_subject_types_are_the_employee_events() -> None:
    prefix = f"{EVENT_TYPE_PREFIX}.personnel.employee."
    assert personal_subject_types() == {
        prefix + kind for kind in ("appointed", "mutated", "retired")
    }
