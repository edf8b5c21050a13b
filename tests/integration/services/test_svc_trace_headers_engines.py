"""On real Kafka: the relay's records carry the trace context as headers, and a consumer
continues it (the CloudEvents attributes stay in the value)."""

from __future__ import annotations

import uuid

import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from rumah.common import tracing
from services.kit.envelope import new_event
from services.kit.event_trace import carrier_of, consumer_context, producer_items, stamp
from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import read_to_end

pytestmark = pytest.mark.integration


async def test_kafka_records_carry_the_trace_as_headers(
    spans: InMemorySpanExporter, kafka_bootstrap: str
) -> None:
    topic = f"it{uuid.uuid4().hex[:10]}.licensing.permit"
    event = new_event(
        type="id.go.serdangbedagaikab.licensing.permit.status_changed",
        source="/services/licensing",
        subject="503/1/DPMPTSP/2026",
        data={"x": 1},
        entity_version=1,
        opd="DPMPTSP",
    )
    with tracing.span("ingest", "ingest permohonan") as write:
        stamp(event)
    log = KafkaEventLog(kafka_bootstrap, connect_timeout_s=5.0, op_timeout_s=20.0)
    await log.start()
    try:
        value = orjson.dumps(event)
        items, producers = producer_items("outbox", topic, [(event["subject"], value)])
        with tracing.ended(producers):
            await log.publish_many(topic, items)
        records = [r async for batch in read_to_end(log, [topic]) for r in batch]
    finally:
        await log.stop()
    [record] = records
    headers = dict(record.headers)
    producer = producers[0].get_span_context()
    assert headers["traceparent"].decode().split("-")[1:3] == [
        f"{producer.trace_id:032x}",
        f"{producer.span_id:016x}",
    ]
    assert carrier_of(record.value)["traceparent"] == event["traceparent"]
    with tracing.span("ledger", "ledger.append", parent=consumer_context(record)) as consumed:
        pass
    assert consumed.parent is not None and consumed.parent.span_id == producer.span_id
    assert consumed.get_span_context().trace_id == write.get_span_context().trace_id
