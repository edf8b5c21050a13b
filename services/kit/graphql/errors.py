"""What a subgraph's clients see when something below it fails: a coded error, never the
driver's words.

* The store or the log is unreachable (``StoreUnavailable`` / ``LogUnavailable``, raised at
  once by the engine gate while readiness knows it is down): ``extensions.code`` is
  ``UNAVAILABLE``, with ``engine`` (mongodb, kafka, sqlite, local-log) and ``since`` when the
  outage is known. The address and the driver's text go to the log only.
* A driver's own exception (pymongo, aiokafka, sqlite3 …) reaching a resolver:
  ``INTERNAL_SERVER_ERROR`` with the request id, the traceback in the log.
* Everything else (the resolvers' own coded errors, validation) is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any, Protocol

from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from rumah.common.logs import current_request_id
from services.kit.engine_gate import EngineDown, EngineGate
from services.kit.ports import LogUnavailable, PortError, StoreUnavailable

log = logging.getLogger("rumah.graphql")

UNAVAILABLE = "UNAVAILABLE"
INTERNAL = "INTERNAL_SERVER_ERROR"
_DRIVERS = ("pymongo", "bson", "motor", "aiokafka", "kafka", "sqlite3", "aiosqlite", "dns")


class HasGate(Protocol):
    @property
    def engine_gate(self) -> EngineGate | None: ...


def _outage_of(exc: PortError, gate: EngineGate | None) -> tuple[str, datetime | None]:
    role = "log" if isinstance(exc, LogUnavailable) else "store"
    if isinstance(exc, EngineDown):
        return exc.outage.engine.name, exc.outage.since
    if gate is None:
        return ("kafka" if role == "log" else "store"), None
    engine = gate.engines.get(role)
    return (engine.name if engine else role), gate.failing_since(role)


def unavailable_extensions(exc: PortError, gate: EngineGate | None) -> dict[str, Any]:
    engine, since = _outage_of(exc, gate)
    out: dict[str, Any] = {"code": UNAVAILABLE, "engine": engine}
    if since is not None:
        out["since"] = since.isoformat(timespec="seconds")
    return out


def unavailable_text(exc: PortError, gate: EngineGate | None) -> str:
    engine, since = _outage_of(exc, gate)
    when = f" sejak {since.isoformat(timespec='seconds')}" if since else ""
    when_en = f" since {since.isoformat(timespec='seconds')}" if since else ""
    return (
        f"Layanan sementara tidak tersedia: {engine} tidak dapat dijangkau{when}. "
        f"(Temporarily unavailable: {engine} is unreachable{when_en}.)"
    )


def _from_driver(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        module = type(seen).__module__.partition(".")[0]
        if module in _DRIVERS:
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def client_safe(error: GraphQLError, gate: EngineGate | None) -> GraphQLError:
    """``error`` as a client may see it (see the module docstring)."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return error
    if isinstance(original, StoreUnavailable | LogUnavailable):
        extensions = unavailable_extensions(original, gate)
        fields = {"engine": extensions["engine"], "path": error.path, "reason": str(original)}
        log.warning("graphql.unavailable", extra=fields)
        return GraphQLError(
            unavailable_text(original, gate),
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            extensions,
        )
    if _from_driver(original):
        request_id = current_request_id()
        log.error("graphql.driver_error", exc_info=original, extra={"path": error.path})
        extensions = {"code": INTERNAL, **({"requestId": request_id} if request_id else {})}
        return GraphQLError(
            "Kesalahan internal; rinciannya ada di log layanan. (Internal error; see the "
            "service log" + (f", request id {request_id}" if request_id else "") + ".)",
            error.nodes,
            error.source,
            error.positions,
            error.path,
            None,
            extensions,
        )
    return error


class ClientSafeErrors(SchemaExtension):
    """Applies ``client_safe`` to every error of a result; the gate comes from the request
    context's ``engine_gate`` (absent: errors still coded, without ``since``)."""

    def on_operation(self) -> Iterator[None]:
        yield
        result = self.execution_context.result
        errors = getattr(result, "errors", None)
        if errors:
            gate = getattr(self.execution_context.context, "engine_gate", None)
            result.errors = [client_safe(e, gate) for e in errors]  # type: ignore[union-attr]
