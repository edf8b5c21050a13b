"""The event envelope: CloudEvents 1.0 in structured JSON mode, validated by ``type``.

An event is a plain dict (what goes on the wire); ``new_event`` builds one, ``encode`` /
``decode`` turn it into bytes and back (orjson), and ``EventSchemas`` checks the envelope
against ``schemas/events/cloudevent.schema.json`` and ``data`` against
``schemas/events/<type>.schema.json``. Extension attributes: ``entityversion`` (the
entity's store version after the change) and ``opd`` (the OPD code).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import fastjsonschema
import orjson

from services.kit.ports import OutboxEntry

Event = dict[str, Any]
Validator = Callable[[Any], Any]

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas" / "events"
ENVELOPE_SCHEMA = "cloudevent.schema.json"


class InvalidEvent(ValueError):
    """Bytes that are not a valid event; ``problems`` says why (one line each)."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


def new_event(
    *,
    type: str,
    source: str,
    subject: str,
    data: Mapping[str, Any],
    entity_version: int,
    opd: str,
    time: datetime | None = None,
    id: str | None = None,
    dataschema: str | None = None,
) -> Event:
    """A new event; ``id`` defaults to a fresh UUID, ``time`` to now (UTC)."""
    when = (time or datetime.now(UTC)).astimezone(UTC)
    event: Event = {
        "specversion": "1.0",
        "id": id or str(uuid.uuid4()),
        "source": source,
        "type": type,
        "subject": subject,
        "time": when.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "data": dict(data),
        "entityversion": entity_version,
        "opd": opd,
    }
    if dataschema is not None:
        event["dataschema"] = dataschema
    return event


# The largest encoded event an outbox takes. Kafka refuses a record over the producer's
# ``max_request_size`` (1 MiB by default, as the broker's ``message.max.bytes``) on every try:
# one such entry would hold its outbox — and every later event of the service — forever.
# What is left below 1 MiB is for the key, the trace headers and the record's framing.
MAX_EVENT_BYTES = 1_000_000


def encode(event: Mapping[str, Any]) -> bytes:
    """The structured-mode JSON bytes of ``event``."""
    return orjson.dumps(event)


def encode_for_log(event: Mapping[str, Any]) -> bytes:
    """``encode``, refusing (``InvalidEvent``) an event the log would never take."""
    raw = orjson.dumps(event)
    if len(raw) > MAX_EVENT_BYTES:
        raise InvalidEvent(
            [f"event is {len(raw):,} bytes encoded; the log takes at most {MAX_EVENT_BYTES:,}"]
        )
    return raw


def decode(raw: bytes) -> Event:
    """Parse bytes into an event dict; raise ``InvalidEvent`` if they are not a JSON object."""
    try:
        event = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidEvent([f"not JSON: {exc}"]) from None
    if not isinstance(event, dict):
        raise InvalidEvent(["not a JSON object"])
    return event


class EventSchemas:
    """Compiled validators: the envelope, and ``data`` per event ``type``."""

    def __init__(
        self, envelope: Validator, data: Mapping[str, Validator], *, require_data_schema: bool
    ) -> None:
        self._envelope = envelope
        self._data = dict(data)
        self._require_data_schema = require_data_schema

    @property
    def types(self) -> frozenset[str]:
        """Event types that have a data schema."""
        return frozenset(self._data)

    def problems(self, event: Any) -> list[str]:
        """Why ``event`` is invalid (empty when it is valid)."""
        try:
            self._envelope(event)
        except fastjsonschema.JsonSchemaValueException as exc:
            return [f"envelope: {exc.message}"]
        validate_data = self._data.get(event["type"])
        if validate_data is None:
            if self._require_data_schema:
                return [f"no data schema for type {event['type']!r}"]
            return []
        try:
            validate_data(event["data"])
        except fastjsonschema.JsonSchemaValueException as exc:
            return [f"{event['type']}: {exc.message}"]
        return []

    def check_data(self, type_: str, data: Any) -> None:
        """Raise ``InvalidEvent`` unless ``data`` is valid for ``type_`` (the data schema only)."""
        validate_data = self._data.get(type_)
        if validate_data is None:
            if self._require_data_schema:
                raise InvalidEvent([f"no data schema for type {type_!r}"])
            return
        try:
            validate_data(data)
        except fastjsonschema.JsonSchemaValueException as exc:
            raise InvalidEvent([f"{type_}: {exc.message}"]) from None

    def check(self, event: Any) -> Event:
        """Return ``event`` if valid, else raise ``InvalidEvent``."""
        problems = self.problems(event)
        if problems:
            raise InvalidEvent(problems)
        result: Event = event
        return result

    def parse(self, raw: bytes) -> Event:
        """``decode`` then ``check``: what a consumer does with a record's value."""
        return self.check(decode(raw))

    def outbox_entry(self, topic: str, event: Mapping[str, Any]) -> OutboxEntry:
        """Validate ``event`` and wrap it for ``Collection.put(outbox=[...])`` (key = subject)."""
        checked = self.check(dict(event))
        return OutboxEntry(checked["id"], topic, checked["subject"], encode_for_log(checked))


def _compile(path: Path) -> Validator:
    try:
        schema = orjson.loads(path.read_bytes())
        validator: Validator = fastjsonschema.compile(schema)
    except (orjson.JSONDecodeError, fastjsonschema.JsonSchemaDefinitionException) as exc:
        raise ValueError(f"cannot compile event schema {path}: {exc}") from exc
    return validator


@functools.lru_cache(maxsize=8)
def load_schemas(directory: Path = SCHEMA_DIR, *, require_data_schema: bool = True) -> EventSchemas:
    """Compile every schema in ``directory`` once (cached per directory).

    Data schemas are the files ``<type>.schema.json`` beside the envelope schema.
    """
    envelope = _compile(directory / ENVELOPE_SCHEMA)
    data = {
        path.name.removesuffix(".schema.json"): _compile(path)
        for path in sorted(directory.glob("*.schema.json"))
        if path.name != ENVELOPE_SCHEMA
    }
    return EventSchemas(envelope, data, require_data_schema=require_data_schema)
