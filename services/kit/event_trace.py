"""Trace context on events, so a change can be followed from the upstream to its readers.

* Written: ``stamp`` puts the current span's context into the CloudEvents envelope as the
  distributed-tracing extension (``traceparent``, ``tracestate`` attributes). The envelope is
  what the outbox stores, so the context survives a crash between write and relay.
* Relayed: ``producer_items`` opens one producer span per event, a child of the event's
  context, and returns the items with Kafka headers ``traceparent`` / ``tracestate`` of that
  span; the caller publishes, then ends the spans (``tracing.ended``).
* Consumed: ``consumer_context`` is the context of a record: its headers first (the relay's
  span), else the envelope's attributes.

All of it does nothing while tracing is off (the events then carry no trace attributes).
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from typing import TYPE_CHECKING, Any

import orjson

from rumah.common import tracing
from services.kit.ports import LogRecord, PublishItem

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span

FIELDS = ("traceparent", "tracestate")


def stamp(envelope: MutableMapping[str, Any]) -> None:
    """Add the current trace context to ``envelope`` (no-op while tracing is off)."""
    if tracing.enabled():
        carrier: dict[str, str] = {}
        tracing.inject(carrier)
        for name in FIELDS:
            if name in carrier:
                envelope[name] = carrier[name]


def carrier_of(event: Mapping[str, Any] | bytes | str) -> dict[str, str]:
    """The trace attributes of an event (a dict, or its JSON text/bytes)."""
    if not isinstance(event, Mapping):
        try:
            event = orjson.loads(event)
        except orjson.JSONDecodeError:
            return {}
        if not isinstance(event, dict):
            return {}
    return {k: event[k] for k in FIELDS if isinstance(event.get(k), str)}


def event_context(event: Mapping[str, Any] | bytes | str) -> Context | None:
    return tracing.extract(carrier_of(event)) if tracing.enabled() else None


def producer_items(
    component: str, topic: str, items: Sequence[tuple[str, bytes]]
) -> tuple[list[PublishItem], list[Span]]:
    """``items`` with trace headers, and the producer spans to end after publishing."""
    out: list[PublishItem] = []
    spans: list[Span] = []
    for key, value in items:
        span = tracing.start_span(
            component,
            f"publish {topic}",
            kind="producer",
            parent=event_context(value),
            attributes={"messaging.destination.name": topic, "messaging.message.key": key},
        )
        headers: dict[str, str] = {}
        tracing.inject(headers, span)
        spans.append(span)
        out.append((key, value, [(k, v.encode()) for k, v in headers.items()]))
    return out, spans


def consumer_context(record: LogRecord, event: Mapping[str, Any] | None = None) -> Context | None:
    """The trace context a consumed record continues (headers first, then the envelope)."""
    if not tracing.enabled():
        return None
    carrier = {k: v.decode("latin-1") for k, v in record.headers if k in FIELDS}
    if "traceparent" not in carrier:
        carrier = carrier_of(event if event is not None else record.value)
    return tracing.extract(carrier)
