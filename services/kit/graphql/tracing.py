"""Spans of a subgraph's GraphQL work while tracing is on: strawberry's own OpenTelemetry
extension (operation, parse, validate, one span per resolver that is not a plain attribute),
under the request's server span; and ``TraceNext``, which sends a subscription event's trace
context to the gateway in the ``next`` message's ``extensions`` (``traceparent``,
``tracestate``), so the gateway continues the change's trace for that event."""

from __future__ import annotations

from functools import partial
from typing import Any

from strawberry.extensions import SchemaExtension

from rumah.common import tracing


class TraceNext(SchemaExtension):
    """Adds ``context.trace_next`` (set by a subscription resolver per event) to the result's
    extensions, once."""

    def get_results(self) -> dict[str, Any]:
        context = self.execution_context.context
        carrier = getattr(context, "trace_next", None)
        if not carrier:
            return {}
        context.trace_next = None
        return dict(carrier)


def tracing_extensions() -> list[Any]:
    """The schema extensions to add (none while tracing is off: they would cost per field)."""
    if not tracing.enabled():
        return []
    from strawberry.extensions.tracing import OpenTelemetryExtension

    return [partial(OpenTelemetryExtension, tracer_provider=tracing.provider()), TraceNext]
