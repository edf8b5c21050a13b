"""Log lines: JSON lines for log stacks, key=value text for people, with the request context."""

from __future__ import annotations

import io
import logging
import sys

import orjson
import pytest

from rumah.common import logs
from rumah.common.logs import (
    JsonFormatter,
    KeyValueFormatter,
    configure_logging,
    log_context,
    resolve_format,
)
from rumah.common.settings import SettingsError


def _record(msg: str = "ledger.appended", **extra: object) -> logging.LogRecord:
    record = logging.LogRecord("rumah.ledger", logging.WARNING, __file__, 1, msg, None, None)
    record.__dict__.update(extra)
    return record


def test_a_json_line_has_the_standard_fields_and_the_extra_ones() -> None:
    line = JsonFormatter().format(_record(entries=3, topic="rumah.licensing.permit"))
    assert "\n" not in line
    body = orjson.loads(line)
    assert body["level"] == "WARNING"
    assert body["logger"] == "rumah.ledger"
    assert body["message"] == "ledger.appended"
    assert body["timestamp"].endswith("Z") and "T" in body["timestamp"]
    assert (body["entries"], body["topic"]) == (3, "rumah.licensing.permit")
    assert "request_id" not in body and "principal" not in body


def test_request_id_and_principal_of_the_context_are_on_every_line() -> None:
    with log_context(request_id="req-1", principal="integrator/bpkd"):
        body = orjson.loads(JsonFormatter().format(_record()))
        text = KeyValueFormatter().format(_record())
    assert (body["request_id"], body["principal"]) == ("req-1", "integrator/bpkd")
    assert 'request_id="req-1"' in text and 'principal="integrator/bpkd"' in text
    # outside the block nothing leaks into the next line
    assert "request_id" not in orjson.loads(JsonFormatter().format(_record()))


def test_trace_ids_come_from_the_installed_lookup() -> None:
    logs.set_trace_ids(lambda: ("a" * 32, "b" * 16))
    try:
        body = orjson.loads(JsonFormatter().format(_record()))
    finally:
        logs.set_trace_ids(None)
    assert (body["trace_id"], body["span_id"]) == ("a" * 32, "b" * 16)


def test_an_extra_field_named_like_a_standard_one_does_not_replace_it() -> None:
    body = orjson.loads(JsonFormatter().format(_record(timestamp="forged", level="x")))
    assert body["level"] == "WARNING" and body["timestamp"] != "forged"
    assert (body["extra_timestamp"], body["extra_level"]) == ("forged", "x")


def test_unserialisable_values_and_exceptions_still_make_one_json_line() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record = _record(obj=object(), when={1: "int key"})
        record.exc_info = sys.exc_info()
    line = JsonFormatter().format(record)
    assert "\n" not in line
    body = orjson.loads(line)
    assert "ValueError: boom" in body["exception"]
    assert body["obj"].startswith("<object object")
    assert body["when"] == {"1": "int key"}


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_auto_means_text_on_a_terminal_and_json_otherwise() -> None:
    assert resolve_format("auto", _Tty()) == "text"
    assert resolve_format("auto", io.StringIO()) == "json"
    assert resolve_format("json", _Tty()) == "json"
    assert resolve_format("text", io.StringIO()) == "text"


def test_configure_logging_reads_the_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        monkeypatch.setenv("RUMAH_LOG_FORMAT", "json")
        configure_logging("INFO")
        logging.getLogger("t").info("event.name", extra={"n": 1})
        out = capsys.readouterr().err.strip().splitlines()[-1]
        assert orjson.loads(out)["n"] == 1
        monkeypatch.setenv("RUMAH_LOG_FORMAT", "text")
        configure_logging("INFO")
        logging.getLogger("t").info("event.name", extra={"n": 1})
        assert capsys.readouterr().err.strip().endswith("INFO event.name n=1")
        monkeypatch.setenv("RUMAH_LOG_FORMAT", "yaml")
        with pytest.raises(SettingsError):
            configure_logging("INFO")
        assert "RUMAH_LOG_FORMAT" in capsys.readouterr().err
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
