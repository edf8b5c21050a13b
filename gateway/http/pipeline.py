"""One GraphQL request, transport-independent: prepare (cached) → coerce variables → execute
the plan → shape. HTTP (and later WebSocket) handlers only translate in and out of this."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

from graphql.execution.values import get_variable_values

from gateway.executor import Execution, execute_plan, shape_response
from gateway.http.messages import js_style
from gateway.http.persisted import PersistedQueries, PersistedQueryError
from gateway.http.prepare import PrepareConfig, PreparedOperation, prepare_operation
from gateway.plan import QueryPlan, plan_to_json
from gateway.state import GatewayState

ExplainText = Callable[[QueryPlan], str]
log = logging.getLogger("gateway.pipeline")


@dataclass(frozen=True, slots=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    extensions: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Outcome:
    """``body`` is the GraphQL response; ``status`` what application/graphql-response+json
    would answer (request errors 4xx, everything with ``data`` 200)."""

    body: dict[str, Any]
    status: int = 200

    @property
    def has_data(self) -> bool:
        return "data" in self.body


def _request_error(message: str, code: str, status: int = 400) -> Outcome:
    return Outcome({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


class Pipeline:
    def __init__(
        self,
        config: PrepareConfig,
        planning: Executor | None = None,
        explain_text: ExplainText | None = None,
        persisted: PersistedQueries | None = None,
    ) -> None:
        self.config = config
        self.planning = planning  # one worker thread: planning never blocks the event loop
        self.explain_text = explain_text
        self.persisted = persisted  # automatic persisted queries; None = not supported

    async def prepared(
        self, state: GatewayState, query: str, operation_name: str | None, labels: frozenset[str]
    ) -> PreparedOperation:
        digest = hashlib.sha256(query.encode())
        if operation_name:
            digest.update(b"\x00" + operation_name.encode())
        if labels:
            digest.update(b"\x01" + ",".join(sorted(labels)).encode())
        key = digest.digest()
        entry = state.operations.peek(key)
        if entry is not None:
            return entry

        async def build() -> PreparedOperation:
            args = (
                state.supergraph.api_schema,
                state.api_index,
                state.planner,
                query,
                operation_name,
                labels,
                self.config,
            )
            if self.planning is None:
                return prepare_operation(*args)
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self.planning, prepare_operation, *args)

        if self.config.planning_timeout:
            # The build itself is shielded: it finishes (and is cached) even if we stop waiting.
            return await asyncio.wait_for(
                state.operations.get(key, build), self.config.planning_timeout
            )
        return await state.operations.get(key, build)

    async def run(
        self,
        state: GatewayState,
        request: GraphQLRequest,
        *,
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        forward: Mapping[str, str] | None = None,
        explain: bool = False,
    ) -> Outcome:
        query = request.query
        if self.persisted is not None and request.extensions:
            try:
                query = self.persisted.resolve(query, request.extensions)
            except PersistedQueryError as exc:
                return Outcome({"errors": [exc.error]}, exc.status)
        if not isinstance(query, str) or not query.strip():
            return _request_error("Must provide query string.", "BAD_REQUEST")
        labels = state.labels.active(headers or {})
        try:
            prepared = await self.prepared(state, query, request.operation_name, labels)
        except TimeoutError:
            log.error("gateway.planning_timeout", extra={"operation": request.operation_name})
            return Outcome(
                {
                    "data": None,
                    "errors": [
                        {
                            "message": "Query planning took too long.",
                            "extensions": {"code": "QUERY_PLANNING_FAILED"},
                        }
                    ],
                }
            )
        if prepared.request_errors:
            return Outcome({"errors": list(prepared.request_errors)}, 400)
        if method == "GET" and prepared.kind != "query":
            return _request_error(
                f"Can only perform a {prepared.kind} operation from a POST request.",
                "METHOD_NOT_ALLOWED",
                405,
            )
        if prepared.kind == "subscription":
            return _request_error(
                "Subscriptions are served over WebSocket (graphql-transport-ws).",
                "SUBSCRIPTION_NOT_SUPPORTED",
            )
        raw = request.variables or {}
        if prepared.variable_definitions:
            coerced = get_variable_values(
                state.supergraph.api_schema, prepared.variable_definitions, dict(raw), 50
            )
            if isinstance(coerced, list):
                errors = [dict(e.formatted) for e in coerced]
                for error in errors:
                    error["message"] = js_style(error["message"])
                    error["extensions"] = {**error.get("extensions", {}), "code": "BAD_USER_INPUT"}
                return Outcome({"errors": errors}, 400)
            variables: Mapping[str, Any] = coerced.coerced
            forwarded = dict(prepared.variable_defaults)
            for definition in prepared.variable_definitions:
                name = definition.variable.name.value
                if name in raw:
                    forwarded[name] = raw[name]
        else:
            variables = forwarded = {}
        if prepared.planning_errors:
            return Outcome({"data": None, "errors": list(prepared.planning_errors)})
        return await self._execute(state, prepared, variables, forwarded, raw, forward, explain)

    async def _execute(
        self,
        state: GatewayState,
        prepared: PreparedOperation,
        variables: Mapping[str, Any],
        forwarded: Mapping[str, Any],
        raw: Mapping[str, Any],
        forward: Mapping[str, str] | None,
        explain: bool,
    ) -> Outcome:
        assert prepared.plan is not None and prepared.shape is not None
        execution = Execution(
            fetcher=state.fetcher,
            relations=state.relations,
            variables=variables,
            forwarded=forwarded,
            headers=forward,
            evaluators=state.evaluators,
        )
        if prepared.plan.node is not None:
            await execute_plan(prepared.plan.node, execution)
        intro_data = None
        intro_errors: list[dict[str, Any]] = []
        if prepared.introspection is not None:
            intro_data, intro_errors = prepared.introspection
        elif prepared.shape.introspection is not None:
            intro_data, intro_errors = prepared.shape.introspection.run(
                state.supergraph.api_schema, dict(raw)
            )
        data, shaping_errors = shape_response(
            prepared.shape,
            state.api_index,
            execution.data,
            variables,
            execution.errors,
            intro_data,
        )
        body: dict[str, Any] = {"data": data}
        errors = execution.errors + intro_errors + shaping_errors
        if errors:
            body["errors"] = errors
        if explain:
            body["extensions"] = self._explain(prepared.plan)
        return Outcome(body)

    def _explain(self, plan: QueryPlan) -> dict[str, Any]:
        out: dict[str, Any] = {"queryPlan": plan_to_json(plan)}
        if self.explain_text is not None:
            out["queryPlanText"] = self.explain_text(plan)
        return out
