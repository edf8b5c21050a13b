"""One ``subscribe`` message, run to its end: a query or mutation once (``next`` +
``complete``); a subscription as a stream of upstream events, each completed by ``rest``.

Frames go out through ``emit`` (the connection's send buffer), so an operation never waits for
the client. An operation that cannot start answers ``error`` (no ``complete`` follows).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from gateway.executor import errors as err
from gateway.executor import execute_plan
from gateway.plan import SubscriptionNode
from gateway.request.pipeline import Admitted, GraphQLRequest, Outcome
from gateway.request.state import GatewayState
from gateway.subscriptions.events import complete_event
from gateway.subscriptions.messages import Subscribe, complete_frame, error_frame, next_frame
from gateway.subscriptions.runtime import SubscriptionRuntime
from gateway.subscriptions.upstream import UpstreamFailure, UpstreamRequest, websocket_url
from rumah.common import tracing

log = logging.getLogger("gateway.subscriptions")

Emit = Callable[[bytes], None]

_UNRECORDED = {
    "message": "The gateway cannot keep access records right now; nothing is served unrecorded.",
    "extensions": {"code": "SERVICE_UNAVAILABLE"},
}
_NOT_LOADED = {
    "message": "The supergraph is not loaded yet.",
    "extensions": {"code": "SERVICE_UNAVAILABLE"},
}


@dataclass(frozen=True, slots=True)
class Caller:
    """What a connection knows about its client, for each operation it runs."""

    headers: Mapping[str, str] = field(default_factory=dict)  # the upgrade request's
    forward: Mapping[str, str] | None = None  # headers for subgraph requests
    principal: Any = None  # who the connection authenticated as (None: no access layer)


async def run_operation(
    runtime: SubscriptionRuntime, caller: Caller, message: Subscribe, emit: Emit
) -> None:
    """Answer ``message`` through ``emit`` until the operation ends (or is cancelled)."""
    op_id = message.id
    state = runtime.holder.current
    if state is None:
        emit(error_frame(op_id, [_NOT_LOADED]))
        return
    pipeline = runtime.pipeline
    request = GraphQLRequest(
        message.query, message.operation_name, message.variables, message.extensions
    )
    admitted = await pipeline.admit(
        state, request, headers=caller.headers, principal=caller.principal
    )
    if isinstance(admitted, Outcome):
        emit(error_frame(op_id, list(admitted.body.get("errors") or ())))
        return
    plan = admitted.prepared.plan
    assert plan is not None
    record = runtime.record
    if admitted.prepared.kind != "subscription":
        execution = pipeline.execution(state, admitted, caller.forward)
        if plan.node is not None:
            await execute_plan(plan.node, execution)
        body = pipeline.respond(state, admitted, execution)
        outcome = "partial" if body.get("errors") else "ok"
        if record is not None and not record(
            caller.principal, state, message.query, admitted, outcome, body
        ):
            emit(error_frame(op_id, [_UNRECORDED]))
            return
        emit(next_frame(op_id, body))
        emit(complete_frame(op_id))
        return
    if record is not None and not record(
        caller.principal, state, message.query, admitted, "subscribed", None
    ):
        emit(error_frame(op_id, [_UNRECORDED]))
        return
    if not isinstance(plan.node, SubscriptionNode):
        emit(error_frame(op_id, [_planning_error("the plan has no subscription fetch")]))
        return
    await _stream(runtime, state, admitted, plan.node, caller, op_id, emit)


async def _stream(
    runtime: SubscriptionRuntime,
    state: GatewayState,
    admitted: Admitted,
    node: SubscriptionNode,
    caller: Caller,
    op_id: str,
    emit: Emit,
) -> None:
    primary = node.primary
    service = primary.service
    info = state.supergraph.subgraphs.get(service)
    if info is None:
        emit(error_frame(op_id, [_planning_error(f"unknown subgraph '{service}'")]))
        return
    forwarded = admitted.forwarded
    upstream_request = UpstreamRequest(
        service=service,
        url=websocket_url(info.url),
        query=primary.operation,
        operation_name=primary.operation_name,
        variables={n: forwarded[n] for n in primary.variable_usages if n in forwarded} or None,
        headers=caller.forward,
        principal=caller.principal,
    )
    try:
        async with contextlib.aclosing(runtime.upstream.events(upstream_request)) as events:
            async for result in events:
                with event_span(service, result):
                    body = await complete_event(
                        runtime.pipeline, state, admitted, node, caller.forward, result
                    )
                emit(next_frame(op_id, body))
                # Events buffered upstream arrive without a suspension in between: let the
                # writer run, so a burst is not mistaken for a client that does not read.
                await asyncio.sleep(0)
    except UpstreamFailure as exc:
        log.warning(
            "subscriptions.upstream_failed",
            extra={"service": exc.service, "code": exc.code, "reason": str(exc)},
        )
        emit(error_frame(op_id, _upstream_errors(exc)))
        return
    emit(complete_frame(op_id))


def event_span(service: str, result: Mapping[str, Any]) -> AbstractContextManager[Any]:
    """While tracing is on: a span per event, continuing the trace the subgraph sent with it
    (``extensions.traceparent`` of its ``next``: the change's own trace), so the rest of the
    plan's fetches for the event join the trace of the change."""
    if not tracing.enabled():
        return contextlib.nullcontext()
    extensions = result.get("extensions")
    carrier = (
        {
            k: v
            for k, v in extensions.items()
            if k in ("traceparent", "tracestate") and isinstance(v, str)
        }
        if isinstance(extensions, dict)
        else {}
    )
    return tracing.span(
        "gateway",
        "gateway.subscription.event",
        kind="consumer",
        attributes={"rumah.subgraph": service},
        parent=tracing.extract(carrier),
    )


def _upstream_errors(exc: UpstreamFailure) -> list[dict[str, Any]]:
    if exc.errors:
        return [err.from_subgraph(e, exc.service) for e in exc.errors]
    return [err.fetch_failed(exc.service, str(exc), exc.code, None)]


def _planning_error(detail: str) -> dict[str, Any]:
    return {
        "message": f"Cannot run the subscription: {detail}.",
        "extensions": {"code": "QUERY_PLANNING_FAILED"},
    }
