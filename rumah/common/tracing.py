"""OpenTelemetry traces for every process, configured by the standard ``OTEL_*`` variables.

Tracing is on when an exporter is configured — ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or
``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT``) is set, or ``OTEL_TRACES_EXPORTER`` names ``otlp`` or
``console`` — and ``OTEL_SDK_DISABLED`` is not true. The SDK itself reads the rest:
``OTEL_SERVICE_NAME`` / ``OTEL_RESOURCE_ATTRIBUTES``, ``OTEL_TRACES_SAMPLER(_ARG)``,
``OTEL_EXPORTER_OTLP_(TRACES_)HEADERS|TIMEOUT|…``, ``OTEL_BSP_*``. OTLP goes over HTTP/protobuf
(a collector's port 4318); ``…_PROTOCOL=grpc`` is refused with one line, as gRPC is not
installed. ``OTEL_PROPAGATORS`` picks the propagators (default W3C ``traceparent`` +
baggage).

Off is free: nothing of the SDK is imported, ``enabled()`` is one global read, and the code
paths that trace check it first (no span objects, no context switches, no header work).

Every span of a process comes from ``tracer(component)``; the component ("gateway",
"licensing", "ledger"…) is the instrumentation scope, so spans of several components in one
process (tests) stay apart.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any

from pydantic_settings import BaseSettings, SettingsConfigDict

from rumah.common import logs

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from opentelemetry.trace import Span, Tracer

_provider: TracerProvider | None = None
_tracers: dict[str, Tracer] = {}  # one per component: get_tracer builds a new one each call
_NULL = contextlib.nullcontext()


class OtelSettings(BaseSettings):
    """The standard variables that decide whether tracing is on (the SDK reads the rest)."""

    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    otel_sdk_disabled: bool = False
    otel_traces_exporter: str = ""
    otel_exporter_otlp_endpoint: str = ""
    otel_exporter_otlp_traces_endpoint: str = ""
    otel_exporter_otlp_protocol: str = "http/protobuf"
    otel_exporter_otlp_traces_protocol: str = ""

    def exporters(self) -> list[str]:
        """The exporters asked for (empty: tracing off)."""
        if self.otel_sdk_disabled:
            return []
        named = [e.strip().lower() for e in self.otel_traces_exporter.split(",") if e.strip()]
        if named:
            return [e for e in named if e != "none"]
        if self.otel_exporter_otlp_endpoint or self.otel_exporter_otlp_traces_endpoint:
            return ["otlp"]
        return []


class TracingError(SystemExit):
    """A tracing setting that cannot work (a clean exit with one line on stderr)."""


def enabled() -> bool:
    return _provider is not None


def provider() -> TracerProvider | None:
    return _provider


def configure_tracing(
    service_name: str, *, exporter: SpanExporter | None = None, settings: OtelSettings | None = None
) -> bool:
    """Turn tracing on if the environment asks for it (or ``exporter`` is given: tests pass
    an ``InMemorySpanExporter``, exported synchronously); return whether it is on."""
    global _provider
    if _provider is not None:
        return True
    settings = settings or OtelSettings()
    wanted = settings.exporters()
    if exporter is None and not wanted:
        return False
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    resource = Resource.create()
    if str(resource.attributes.get(SERVICE_NAME, "")).startswith("unknown_service"):
        resource = resource.merge(Resource({SERVICE_NAME: service_name}))  # no OTEL_SERVICE_NAME
    made = TracerProvider(resource=resource)
    if exporter is not None:
        made.add_span_processor(SimpleSpanProcessor(exporter))
    for name in wanted:
        made.add_span_processor(BatchSpanProcessor(_exporter(name, settings)))
    from opentelemetry.trace import SpanKind

    _KINDS.update({k.name.lower(): k for k in SpanKind})
    _provider = made
    logs.set_trace_ids(_current_ids)
    return True


def shutdown_tracing() -> None:
    """Flush and stop (end of a process or a test); tracing is off afterwards."""
    global _provider
    if _provider is not None:
        made, _provider = _provider, None
        _tracers.clear()
        logs.set_trace_ids(None)
        made.shutdown()


def _exporter(name: str, settings: OtelSettings) -> SpanExporter:
    if name == "console":
        from opentelemetry.sdk.trace.export import ConsoleSpanExporter

        return ConsoleSpanExporter(out=sys.stderr)
    if name != "otlp":
        _refuse(f"OTEL_TRACES_EXPORTER: {name!r} is not available here (otlp, console, none)")
    protocol = settings.otel_exporter_otlp_traces_protocol or settings.otel_exporter_otlp_protocol
    if protocol.strip().lower() != "http/protobuf":
        _refuse(
            f"OTEL_EXPORTER_OTLP_PROTOCOL: {protocol!r} is not installed; use http/protobuf "
            "(a collector's OTLP/HTTP port, usually 4318)"
        )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    return OTLPSpanExporter()  # endpoint, headers, timeout, compression: from OTEL_*


def _refuse(line: str) -> None:
    print(f"invalid setting: {line}", file=sys.stderr)
    raise TracingError(2)


def tracer(component: str) -> Tracer:
    """The tracer of ``component`` (only while tracing is on)."""
    found = _tracers.get(component)
    if found is None:
        assert _provider is not None, "tracing is off: check enabled() first"
        found = _tracers[component] = _provider.get_tracer(f"rumah.{component}")
    return found


def _current_ids() -> tuple[str, str] | None:
    from opentelemetry import trace

    context = trace.get_current_span().get_span_context()
    if not context.is_valid:
        return None
    return f"{context.trace_id:032x}", f"{context.span_id:016x}"


# --------------------------------------------------------------------------- helpers
_KINDS: dict[str, Any] = {}  # "server" → SpanKind.SERVER, filled when tracing is turned on


def _options(
    kind: str = "internal",
    attributes: Mapping[str, Any] | None = None,
    parent: Context | None = None,
) -> dict[str, Any]:
    return {"context": parent, "kind": _KINDS[kind], "attributes": attributes}


def span(component: str, name: str, **options: Any) -> contextlib.AbstractContextManager[Any]:
    """``with span("gateway", "gateway.plan"):`` — the current span for the block; a shared
    no-op when tracing is off. Options: ``kind`` (internal, server, client, producer,
    consumer), ``attributes``, ``parent`` (a context, e.g. from ``extract``)."""
    if _provider is None:
        return _NULL
    return tracer(component).start_as_current_span(name, **_options(**options))


def start_span(component: str, name: str, **options: Any) -> Span:
    """A span that is *not* made current (ended by the caller): for work that spans yields of
    a generator, or one span per item of a batch. Only while tracing is on; options as
    ``span``'s."""
    return tracer(component).start_span(name, **_options(**options))


def inject(carrier: MutableMapping[str, str], span_: Span | None = None) -> None:
    """Write the current (or ``span_``'s) context into ``carrier`` (``traceparent``,
    ``tracestate``); nothing when tracing is off or there is no span."""
    if _provider is None:
        return
    from opentelemetry import propagate, trace

    context = trace.set_span_in_context(span_) if span_ is not None else None
    propagate.inject(carrier, context=context)


def extract(carrier: Mapping[str, str]) -> Context | None:
    """The context a ``traceparent`` (and ``tracestate``) in ``carrier`` carries; None when
    tracing is off or there is none (a malformed one is ignored by the propagator)."""
    if _provider is None or "traceparent" not in carrier:
        return None
    from opentelemetry import propagate

    return propagate.extract(carrier)


@contextlib.contextmanager
def ended(spans: list[Span]) -> Iterator[None]:
    """End ``spans`` after the block, marking them failed if it raised."""
    try:
        yield
    except BaseException as exc:
        from opentelemetry.trace import Status, StatusCode

        for s in spans:
            s.record_exception(exc)
            s.set_status(Status(StatusCode.ERROR, type(exc).__name__))
        raise
    finally:
        for s in spans:
            s.end()
