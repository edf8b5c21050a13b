"""Events carry their trace: CloudEvents distributed-tracing attributes in the envelope,
Kafka-style record headers from the relay, and the consumer continues it."""

from __future__ import annotations

from pathlib import Path

import fastjsonschema
import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rumah.common import tracing
from services.kit.envelope import ENVELOPE_SCHEMA, SCHEMA_DIR, new_event
from services.kit.event_trace import carrier_of, consumer_context, producer_items, stamp
from services.kit.eventlog.local import LocalEventLog
from services.kit.ports import LogRecord


def _event() -> dict[str, object]:
    return new_event(
        type="id.go.serdangbedagaikab.licensing.permit.status_changed",
        source="/services/licensing",
        subject="503/1/DPMPTSP/2026",
        data={"x": 1},
        entity_version=1,
        opd="DPMPTSP",
    )


def test_off_events_carry_no_trace_attributes() -> None:
    event = _event()
    stamp(event)
    assert "traceparent" not in event and carrier_of(event) == {}


def test_the_envelope_carries_the_writes_trace_and_the_schema_checks_it(
    spans: InMemorySpanExporter,
) -> None:
    envelope = fastjsonschema.compile(orjson.loads((SCHEMA_DIR / ENVELOPE_SCHEMA).read_bytes()))
    event = _event()
    with tracing.span("ingest", "ingest permohonan") as span:
        stamp(event)
    context = span.get_span_context()
    version, trace_id, span_id, _flags = str(event["traceparent"]).split("-")
    assert (version, trace_id, span_id) == (
        "00",
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )
    envelope(event)  # the CloudEvents distributed-tracing extension is allowed …
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        envelope({**event, "traceparent": "00-not-a-trace-context"})  # … and checked
    with pytest.raises(fastjsonschema.JsonSchemaValueException):
        envelope({**event, "tracestate": "x" * 513})


async def test_the_relay_sends_headers_and_the_consumer_continues_them(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    event = _event()
    with tracing.span("ingest", "write") as write:
        stamp(event)
    value = orjson.dumps(event)
    items, producers = producer_items("outbox", "rumah.licensing.permit", [("k", value)])
    log = LocalEventLog(tmp_path / "log.sqlite3")
    await log.start()
    try:
        with tracing.ended(producers):
            await log.publish_many("rumah.licensing.permit", items)
        async with log.subscribe(["rumah.licensing.permit"]) as sub:
            [record] = await sub.poll(10, 2.0)
    finally:
        await log.stop()
    headers = dict(record.headers)
    producer = producers[0].get_span_context()
    assert headers["traceparent"].decode().split("-")[2] == f"{producer.span_id:016x}"
    [finished] = [s for s in spans.get_finished_spans() if s.name.startswith("publish")]
    assert finished.parent is not None
    assert finished.parent.span_id == write.get_span_context().span_id
    with tracing.span("ledger", "append", parent=consumer_context(record)) as consumed:
        pass
    assert consumed.parent is not None and consumed.parent.span_id == producer.span_id
    # without headers the envelope's own context is continued
    bare = LogRecord(record.topic, 0, 0, "k", record.value, 0)
    with tracing.span("ledger", "append", parent=consumer_context(bare)) as from_envelope:
        pass
    assert from_envelope.parent is not None
    assert from_envelope.parent.span_id == write.get_span_context().span_id
