"""Log lines every process writes: JSON lines for log stacks, ``key=value`` text for people.

``RUMAH_LOG_FORMAT`` selects the format: ``json`` (one object per line), ``text``
(``<time> <level> <event> key=value …``) or ``auto`` (the default: text when stderr is a
terminal, JSON otherwise — so a container or a file gets JSON, a person at a terminal text;
``rumah run`` decides for its children, whose stderr is a file, from its own terminal).

Every line carries the request it belongs to (``request_id``), the trace and span it was
written in (``trace_id``, ``span_id``, when tracing is on) and the caller (``principal``,
where known), besides the ``extra`` fields of the call. Code names a constant event and
passes the details as fields: ``log.info("ledger.appended", extra={"entries": 3})``.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal

import orjson

from rumah.common.settings import RumahSettings, load_settings

LogFormat = Literal["auto", "json", "text"]


class RequestLabels:
    """What every log line of a request carries: its id and, once known, who asks.

    Bound in one context variable for a request (or WebSocket connection) by the request-id
    middleware, or for a block by ``log_context``; the tasks the request starts share it."""

    __slots__ = ("request_id", "principal")
    # Made by the request-id middleware for one exchange alone (``ExchangeLabels``): the
    # access layer names the caller in it by an attribute store, which nothing but that
    # exchange sees — a second context variable set and reset per request costs more.
    own: ClassVar[bool] = False
    # (no ``__init__``: a Python one would double what making them costs per request)
    request_id: str | None
    principal: str | None


class ExchangeLabels(RequestLabels):
    """The labels of one exchange (``exchange_labels``; ``own``)."""

    __slots__ = ()
    own = True


def _labels(request_id: str | None, principal: str | None) -> RequestLabels:
    labels = RequestLabels()
    labels.request_id, labels.principal = request_id, principal
    return labels


def exchange_labels(request_id: str) -> RequestLabels:
    """New labels for one exchange, no caller named yet."""
    labels = ExchangeLabels()
    labels.request_id = request_id
    labels.principal = None
    return labels


labels_var: ContextVar[RequestLabels | None] = ContextVar("rumah_request_labels", default=None)


def current_request_id() -> str | None:
    """The id of the request this runs for (None outside one)."""
    labels = labels_var.get()
    return labels.request_id if labels is not None else None


def current_principal() -> str | None:
    """How the caller of the request this runs for is named in logs (None: not known)."""
    labels = labels_var.get()
    return labels.principal if labels is not None else None


# Set by ``rumah.common.tracing`` while tracing is on: the current (trace id, span id) in hex.
TraceIds = Callable[[], tuple[str, str] | None]
_trace_ids: TraceIds | None = None

_STANDARD = frozenset(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",  # uvicorn's coloured duplicate of the message
}
# Keys of a JSON line; an ``extra`` field with one of these names gets an ``extra_`` prefix.
_RESERVED = frozenset(
    {
        "timestamp",
        "level",
        "logger",
        "message",
        "request_id",
        "trace_id",
        "span_id",
        "principal",
        "exception",
        "stack",
    }
)


class LogSettings(RumahSettings):
    # auto: text when stderr is a terminal, else json (one object per line); or json, text
    log_format: LogFormat = "auto"


def set_trace_ids(lookup: TraceIds | None) -> None:
    """Install (or remove, with ``None``) the lookup of the current trace and span ids."""
    global _trace_ids
    _trace_ids = lookup


@contextmanager
def log_context(*, request_id: str | None = None, principal: str | None = None) -> Iterator[None]:
    """Bind ``request_id`` / ``principal`` to every line logged inside the block (each one
    left out keeps the value bound around the block)."""
    outer = labels_var.get()
    if outer is not None:
        request_id = outer.request_id if request_id is None else request_id
        principal = outer.principal if principal is None else principal
    token = labels_var.set(_labels(request_id, principal))
    try:
        yield
    finally:
        labels_var.reset(token)


def _context() -> dict[str, str]:
    out: dict[str, str] = {}
    labels = labels_var.get()
    if labels is not None and labels.request_id is not None:
        out["request_id"] = labels.request_id
    if _trace_ids is not None:
        ids = _trace_ids()
        if ids is not None:
            out["trace_id"], out["span_id"] = ids
    if labels is not None and labels.principal is not None:
        out["principal"] = labels.principal
    return out


def _extra(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD}


class KeyValueFormatter(logging.Formatter):
    """``<time> <level> <event> key=value …`` (values as JSON), the request context first."""

    def format(self, record: logging.LogRecord) -> str:
        line = f"{self.formatTime(record)} {record.levelname} {record.getMessage()}"
        fields: dict[str, Any] = {**_context(), **_extra(record)}
        if fields:
            line += " " + " ".join(
                f"{k}={orjson.dumps(v, default=str).decode()}" for k, v in fields.items()
            )
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ``timestamp`` (UTC, ms), ``level``, ``logger``, ``message``
    (the event name for Rumah's own lines), the request context, then the ``extra`` fields;
    ``exception`` holds a traceback. Never raises on an unserialisable value (``str`` of it)."""

    def format(self, record: logging.LogRecord) -> str:
        stamp = datetime.fromtimestamp(record.created, UTC)
        line: dict[str, Any] = {
            "timestamp": stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **_context(),
        }
        for key, value in _extra(record).items():
            line[f"extra_{key}" if key in _RESERVED else key] = value
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            line["stack"] = self.formatStack(record.stack_info)
        return orjson.dumps(line, default=str, option=orjson.OPT_NON_STR_KEYS).decode()


def resolve_format(fmt: LogFormat, stream: Any = None) -> Literal["json", "text"]:
    """``auto`` → ``text`` when ``stream`` (default stderr) is a terminal, else ``json``."""
    if fmt != "auto":
        return fmt
    stream = sys.stderr if stream is None else stream
    isatty = getattr(stream, "isatty", None)
    return "text" if isatty is not None and isatty() else "json"


def formatter_for(fmt: LogFormat, stream: Any = None) -> logging.Formatter:
    return JsonFormatter() if resolve_format(fmt, stream) == "json" else KeyValueFormatter()


def configure_logging(level: str, fmt: LogFormat | None = None) -> None:
    """Root logger at ``level`` writing to stderr in ``fmt`` (default: ``RUMAH_LOG_FORMAT``)."""
    chosen: LogFormat = fmt or load_settings(LogSettings).log_format
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(chosen, handler.stream))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
