"""Personal data in ledger entries: shown only to principals with ``personal:read``.

The gateway withholds ``Employee.nip``/``name`` from a principal without ``personal:read``
(``@requiresScopes`` on personnel's schema), but an employee's events carry the same NIP and
name in their payload and subject, and the ledger serves payloads as JSON. The event schemas
say which parts are personal (``schemas/events``): a property marked
``"x-rumah-personal": true`` and, with ``"x-rumah-personal-subject": true`` at the top, the
event's subject (the NIP). For a principal without ``personal:read`` the ledger returns such
entries with those payload keys set to null (named in ``event.withheld``) and ``entityId``
and ``event.subject`` null with an ``UNAUTHORIZED_FIELD_OR_TYPE`` error, like the gateway's
own withheld fields. The hash chain is unaffected: verification reads the stored entries.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from services.kit.envelope import SCHEMA_DIR

PROPERTY_MARK = "x-rumah-personal"
SUBJECT_MARK = "x-rumah-personal-subject"
_SUFFIX = ".schema.json"


@dataclass(frozen=True, slots=True)
class PersonalParts:
    keys: frozenset[str]  # payload properties that are personal
    subject: bool  # the event's subject names a person


@lru_cache(maxsize=4)
def personal_parts(directory: Path = SCHEMA_DIR) -> Mapping[str, PersonalParts]:
    """Event type → its personal parts, for the types that have any."""
    found: dict[str, PersonalParts] = {}
    for path in sorted(directory.glob("*" + _SUFFIX)):
        schema = json.loads(path.read_text(encoding="utf-8"))
        properties = schema.get("properties") or {}
        keys = frozenset(
            name
            for name, prop in properties.items()
            if isinstance(prop, dict) and prop.get(PROPERTY_MARK) is True
        )
        subject = schema.get(SUBJECT_MARK) is True
        if keys or subject:
            found[path.name.removesuffix(_SUFFIX)] = PersonalParts(keys, subject)
    return found


def personal_subject_types() -> frozenset[str]:
    """The event types whose subject names a person."""
    return frozenset(t for t, parts in personal_parts().items() if parts.subject)


def withhold(event_type: str, data: Any) -> tuple[Any, list[str], bool]:
    """``(data, withheld keys, subject withheld)`` for a principal without personal:read."""
    parts = personal_parts().get(event_type)
    if parts is None:
        return data, [], False
    if not isinstance(data, dict):
        return data, [], parts.subject
    hidden = sorted(k for k in parts.keys if k in data)
    if hidden:
        data = {k: (None if k in parts.keys else v) for k, v in data.items()}
    return data, hidden, parts.subject
