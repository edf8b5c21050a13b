"""Tracing is configured by the standard OTEL_* variables; off, it does nothing at all."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator

import orjson
import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from gateway.client.propagation import outgoing_headers
from rumah.common import tracing
from rumah.common.logs import JsonFormatter
from rumah.common.tracing import OtelSettings, TracingError


@pytest.fixture(autouse=True)
def _off() -> Iterator[None]:
    tracing.shutdown_tracing()
    yield
    tracing.shutdown_tracing()


@pytest.mark.parametrize(
    ("env", "wanted"),
    [
        ({}, []),
        ({"otel_exporter_otlp_endpoint": "http://collector:4318"}, ["otlp"]),
        ({"otel_exporter_otlp_traces_endpoint": "http://collector:4318/v1/traces"}, ["otlp"]),
        ({"otel_traces_exporter": "console"}, ["console"]),
        ({"otel_traces_exporter": "none", "otel_exporter_otlp_endpoint": "http://c"}, []),
        ({"otel_sdk_disabled": True, "otel_exporter_otlp_endpoint": "http://c"}, []),
    ],
)
def test_tracing_is_on_only_when_an_exporter_is_configured(
    env: dict[str, object], wanted: list[str]
) -> None:
    assert OtelSettings(**env).exporters() == wanted  # type: ignore[arg-type]


def test_the_settings_come_from_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert OtelSettings().exporters() == ["otlp"]


def test_off_nothing_is_traced_and_nothing_is_added() -> None:
    assert not tracing.configure_tracing("x", settings=OtelSettings())
    assert not tracing.enabled()
    assert isinstance(tracing.span("gateway", "n"), contextlib.nullcontext)
    carrier: dict[str, str] = {}
    tracing.inject(carrier)
    assert carrier == {}
    assert tracing.extract({"traceparent": "00-" + "1" * 32 + "-" + "2" * 16 + "-01"}) is None
    assert outgoing_headers(None) is None
    assert outgoing_headers({"authorization": "x"}) == {"authorization": "x"}


def test_grpc_is_refused_with_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    settings = OtelSettings(
        otel_exporter_otlp_endpoint="http://c:4317", otel_exporter_otlp_protocol="grpc"
    )
    with pytest.raises(TracingError):
        tracing.configure_tracing("x", settings=settings)
    assert "OTEL_EXPORTER_OTLP_PROTOCOL" in capsys.readouterr().err
    assert not tracing.enabled()


def test_the_service_name_is_the_components_unless_otel_service_name_says(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OTEL_SERVICE_NAME", raising=False)
    tracing.configure_tracing("rumah-licensing", exporter=InMemorySpanExporter())
    provider = tracing.provider()
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "rumah-licensing"
    tracing.shutdown_tracing()
    monkeypatch.setenv("OTEL_SERVICE_NAME", "perizinan-prod")
    tracing.configure_tracing("rumah-licensing", exporter=InMemorySpanExporter())
    provider = tracing.provider()
    assert provider is not None
    assert provider.resource.attributes["service.name"] == "perizinan-prod"


def test_on_spans_propagate_and_log_lines_carry_the_ids() -> None:
    exporter = InMemorySpanExporter()
    tracing.configure_tracing("t", exporter=exporter)
    record = logging.LogRecord("t", logging.INFO, __file__, 1, "e", None, None)
    with tracing.span("gateway", "outer") as outer:
        headers = outgoing_headers(None)
        line = orjson.loads(JsonFormatter().format(record))
    assert headers is not None
    context = outer.get_span_context()
    assert headers["traceparent"].startswith(f"00-{context.trace_id:032x}-{context.span_id:016x}-")
    assert (line["trace_id"], line["span_id"]) == (
        f"{context.trace_id:032x}",
        f"{context.span_id:016x}",
    )
    parent = tracing.extract(dict(headers))
    with tracing.span("ledger", "inner", parent=parent):
        pass
    finished = {s.name: s for s in exporter.get_finished_spans()}
    inner, outer_done = finished["inner"], finished["outer"]
    assert inner.parent is not None and inner.parent.span_id == context.span_id
    assert outer_done.instrumentation_scope is not None
    assert outer_done.instrumentation_scope.name == "rumah.gateway"
    assert tracing.extract({"traceparent": "garbage"}) is not None  # ignored: an empty context
