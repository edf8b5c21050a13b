"""The CloudEvents envelope and the per-type schema registry."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest

from services.kit.envelope import (
    ENVELOPE_SCHEMA,
    SCHEMA_DIR,
    EventSchemas,
    InvalidEvent,
    decode,
    encode,
    load_schemas,
    new_event,
)

TYPE = "id.go.serdangbedagaikab.test.thing.changed"


@pytest.fixture
def schemas(tmp_path: Path) -> EventSchemas:
    shutil.copy(SCHEMA_DIR / ENVELOPE_SCHEMA, tmp_path / ENVELOPE_SCHEMA)
    schema = {"type": "object", "required": ["status"], "properties": {"status": {"enum": ["a"]}}}
    (tmp_path / f"{TYPE}.schema.json").write_bytes(orjson.dumps(schema))
    return load_schemas(tmp_path)


def event(**overrides: object) -> dict[str, object]:
    base = new_event(
        type=TYPE,
        source="/services/test",
        subject="T-1",
        data={"status": "a"},
        entity_version=3,
        opd="KOMINFO",
        time=datetime(2024, 3, 1, 7, 0, tzinfo=UTC),
    )
    return base | overrides


def test_new_event_is_a_cloudevent_with_our_extensions(schemas: EventSchemas) -> None:
    e = event()
    assert e["specversion"] == "1.0" and e["datacontenttype"] == "application/json"
    assert e["time"] == "2024-03-01T07:00:00.000Z"
    assert (e["subject"], e["entityversion"], e["opd"]) == ("T-1", 3, "KOMINFO")
    assert (
        len(str(e["id"])) == 36
        and new_event(type=TYPE, source="/s", subject="x", data={}, entity_version=1, opd="BKD")[
            "id"
        ]
        != e["id"]
    )
    assert schemas.problems(e) == []
    assert schemas.types == frozenset({TYPE})


def test_encode_decode_round_trip(schemas: EventSchemas) -> None:
    e = event()
    assert decode(encode(e)) == e
    assert schemas.parse(encode(e)) == e


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        (b"{oops", "not JSON"),
        (b"[1, 2]", "not a JSON object"),
        (encode(event(specversion="0.3")), "envelope"),
        (encode(event(time="yesterday")), "date-time"),
        (encode(event(entityversion=0)), "envelope"),
        (encode(event(opd="kominfo")), "envelope"),
        (encode(event(data={"status": "b"})), TYPE),
        (encode(event(data={})), TYPE),
        (encode(event(type="id.go.unknown.type")), "no data schema"),
        (encode(event(BadExt=1)), "envelope"),
        (encode({k: v for k, v in event().items() if k != "subject"}), "subject"),
    ],
)
def test_invalid_events_are_reported_with_a_reason(
    schemas: EventSchemas, raw: bytes, problem: str
) -> None:
    with pytest.raises(InvalidEvent) as exc:
        schemas.parse(raw)
    assert problem in str(exc.value)


def test_outbox_entry_validates_and_keys_by_subject(schemas: EventSchemas) -> None:
    e = event()
    entry = schemas.outbox_entry("test.things", e)
    assert (entry.topic, entry.key, entry.id) == ("test.things", "T-1", e["id"])
    assert decode(entry.value) == e
    with pytest.raises(InvalidEvent):
        schemas.outbox_entry("test.things", event(data={"status": "zzz"}))


def test_types_without_a_data_schema_can_be_allowed(tmp_path: Path) -> None:
    shutil.copy(SCHEMA_DIR / ENVELOPE_SCHEMA, tmp_path / ENVELOPE_SCHEMA)
    lenient = load_schemas(tmp_path, require_data_schema=False)
    assert lenient.problems(event(type="id.go.other.thing")) == []


def test_a_broken_schema_file_fails_loudly(tmp_path: Path) -> None:
    shutil.copy(SCHEMA_DIR / ENVELOPE_SCHEMA, tmp_path / ENVELOPE_SCHEMA)
    (tmp_path / "x.y.schema.json").write_text("{not json")
    with pytest.raises(ValueError, match="x.y.schema.json"):
        load_schemas(tmp_path)


def test_the_checked_in_schemas_compile() -> None:
    assert load_schemas().problems(event(type="zz.unknown")) != []


def test_an_event_larger_than_the_log_takes_is_refused_where_it_is_made() -> None:
    """Kafka refuses a record over 1 MiB on every try; the outbox must never hold one."""
    from services.kit.envelope import MAX_EVENT_BYTES, InvalidEvent, encode_for_log

    fits = {"data": "x" * (MAX_EVENT_BYTES - 20)}
    assert len(encode_for_log(fits)) <= MAX_EVENT_BYTES
    with pytest.raises(InvalidEvent, match="the log takes at most 1,000,000"):
        encode_for_log({"data": "x" * MAX_EVENT_BYTES})
