"""One subscription event → one client result: the event is the primary fetch's result;
``rest`` (the entity fetches joining other subgraphs) runs on it with the normal executor,
then the response is shaped against the client operation like any query's."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gateway.executor import errors as err
from gateway.executor import execute_plan
from gateway.executor.rewrites import apply_rewrites
from gateway.plan import SubscriptionNode
from gateway.request.pipeline import Admitted, Pipeline
from gateway.request.state import GatewayState


async def complete_event(
    pipeline: Pipeline,
    state: GatewayState,
    admitted: Admitted,
    node: SubscriptionNode,
    forward: Mapping[str, str] | None,
    result: Mapping[str, Any],
) -> dict[str, Any]:
    """The client's ``next`` payload for one upstream ``next`` payload ``result``."""
    service = node.primary.service
    raw_errors = result.get("errors")
    if raw_errors is not None and not isinstance(raw_errors, list):
        raw_errors = [raw_errors]
    errors = [err.from_subgraph(e, service) for e in raw_errors or ()]
    data = result.get("data")
    if data is None:
        return {"data": None, "errors": errors or [_malformed(service)]}
    if type(data) is not dict:
        return {"data": None, "errors": [*errors, _malformed(service)]}
    if node.primary.output_rewrites:
        apply_rewrites(data, node.primary.output_rewrites, state.relations)
    execution = pipeline.execution(state, admitted, forward, data=data)
    execution.errors.extend(errors)
    await execute_plan(node.rest, execution)
    return pipeline.respond(state, admitted, execution)


def _malformed(service: str) -> dict[str, Any]:
    return err.fetch_failed(
        service,
        f'Invalid "data" in subscription event from subgraph "{service}"',
        err.INVALID_SUBGRAPH_RESPONSE,
        None,
    )
