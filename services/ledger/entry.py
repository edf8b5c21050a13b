"""A ledger entry as stored: the event (its canonical JSON text, exactly what was hashed),
its chain hashes and the fields queries filter on.

The query fields (``service``, ``entityType``, ``positions``, …) are derived from the event
only, so verification can recompute and compare them: editing one to hide an entry from a
filter is detected like any other edit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from services.kit.ports import Document
from services.kit.spec import EVENT_TYPE_PREFIX
from services.ledger.chain import entry_hash, event_json, seq_id

QUERY_FIELDS = (
    "eventId",
    "type",
    "source",
    "subject",
    "time",
    "opd",
    "service",
    "entityType",
    "positions",
)


def utc_text(moment: datetime) -> str:
    """A UTC instant as fixed-width ISO text (microseconds, ``Z``): text order = time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


_MILLIS_Z = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


def normal_time(text: Any) -> str | None:
    """An event's ``time`` as ``utc_text`` (None when it is not an ISO instant)."""
    if isinstance(text, str) and _MILLIS_Z.fullmatch(text):
        return text[:23] + "000Z"  # what the kit writes; verification runs this per entry
    try:
        moment = datetime.fromisoformat(str(text))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return utc_text(moment)


def _service(event: Mapping[str, Any]) -> str | None:
    source = str(event.get("source", ""))
    if source.startswith("/services/"):
        return source.removeprefix("/services/").split("/", 1)[0] or None
    parts = str(event.get("type", "")).removeprefix(EVENT_TYPE_PREFIX + ".").split(".")
    return parts[0] if len(parts) >= 3 else None


def _entity_type(event: Mapping[str, Any]) -> str | None:
    # id.go.serdangbedagaikab.<service>.<entity>.<what happened>
    parts = str(event.get("type", "")).split(".")
    return parts[-2] if len(parts) >= 3 else None


def _positions(data: Any) -> list[str]:
    """Every position (jabatan) id the event names: ``positionId`` and ``…PositionId`` fields."""
    if not isinstance(data, Mapping):
        return []
    found = {
        v
        for k, v in data.items()
        if "ositionId" in k  # cheap pre-check: this runs per entry during verification
        and (k == "positionId" or k.endswith("PositionId"))
        and isinstance(v, str)
        and v
    }
    return sorted(found)


def query_values(event: Mapping[str, Any]) -> tuple[Any, ...]:
    """The denormalised fields of an entry (in ``QUERY_FIELDS`` order), from its event."""
    return (
        event.get("id"),
        event.get("type"),
        event.get("source"),
        event.get("subject"),
        normal_time(event.get("time")),
        event.get("opd"),
        _service(event),
        _entity_type(event),
        _positions(event.get("data")),
    )


def query_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """The denormalised fields of an entry, derived from its event."""
    return dict(zip(QUERY_FIELDS, query_values(event), strict=True))


def build_entry(seq: int, recorded_at: str, prev_hash: str, event: Mapping[str, Any]) -> Document:
    """The document appended at ``seq``."""
    text = event_json(event)
    return {
        "_id": seq_id(seq),
        "seq": seq,
        "recordedAt": recorded_at,
        "prevHash": prev_hash,
        "hash": entry_hash(seq, recorded_at, prev_hash, text),
        **query_fields(event),
        "eventJson": text,
    }


def event_of(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The event of a stored entry (parsed from its canonical JSON text)."""
    event: dict[str, Any] = orjson.loads(doc["eventJson"])
    return event
