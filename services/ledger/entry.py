"""A ledger entry as stored: the event (its canonical JSON text, exactly what was hashed),
its chain hashes and the fields queries filter on.

The query fields (``service``, ``entityType``, ``positions``, …) are derived from the event
only, so verification can recompute and compare them: editing one to hide an entry from a
filter is detected like any other edit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import orjson

from services.kit.ports import Document
from services.kit.spec import EVENT_TYPE_PREFIX
from services.ledger.chain import entry_hash, event_json, seq_id

QUERY_FIELDS = (
    "eventId", "type", "source", "subject", "time", "opd", "service", "entityType", "positions",
)  # fmt: skip


def utc_text(moment: datetime) -> str:
    """A UTC instant as fixed-width ISO text (microseconds, ``Z``): text order = time order."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def normal_time(text: Any) -> str | None:
    """An event's ``time`` as ``utc_text`` (None when it is not an ISO instant)."""
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
        if (k == "positionId" or k.endswith("PositionId")) and isinstance(v, str) and v
    }
    return sorted(found)


def query_fields(event: Mapping[str, Any]) -> dict[str, Any]:
    """The denormalised fields of an entry, derived from its event."""
    return {
        "eventId": event.get("id"),
        "type": event.get("type"),
        "source": event.get("source"),
        "subject": event.get("subject"),
        "time": normal_time(event.get("time")),
        "opd": event.get("opd"),
        "service": _service(event),
        "entityType": _entity_type(event),
        "positions": _positions(event.get("data")),
    }


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
