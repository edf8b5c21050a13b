"""One GraphQL request, transport-independent: prepare (cached) → coerce variables → execute
the plan → shape. HTTP (and WebSocket) handlers only translate in and out of this.

``run`` answers queries and mutations. A subscription transport uses the pieces: ``admit``
(checks, prepared operation, variables), ``execution`` (an ``Execution`` seeded with an
event's data) + ``gateway.executor.execute_plan`` for ``SubscriptionNode.rest``, and
``respond`` (shaping) per event.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import hashlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from concurrent.futures import Executor
from dataclasses import dataclass
from types import MappingProxyType, ModuleType
from typing import Any

from graphql.execution.values import get_variable_values

from gateway.access_records import entity_keys
from gateway.auth.authorize import Grants, filter_operation, unauthorized_errors
from gateway.demand import DemandControl
from gateway.executor import Execution, execute_plan, shape_response
from gateway.executor.shaping.incremental import IncrementalShaping
from gateway.plan import QueryPlan, plan_to_json
from gateway.request.dedup import request_key
from gateway.request.incremental import incremental_payloads
from gateway.request.messages import js_style
from gateway.request.persisted import PersistedQueries, PersistedQueryError
from gateway.request.prepare import PrepareConfig, PreparedOperation, prepare_operation
from gateway.request.record_keys import read_entities
from gateway.request.safelist import Safelist
from gateway.request.slots import ExecutionSlots
from gateway.request.state import GatewayState
from rumah.common import tracing
from rumah.common.inflight import Inflight

ExplainText = Callable[[QueryPlan], str]
log = logging.getLogger("gateway.pipeline")
_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


# made per request, so not frozen (a frozen __init__ costs ≈ 0.2 µs a field); never changed
@dataclass(slots=True)
class GraphQLRequest:
    query: str | None
    operation_name: str | None = None
    variables: Mapping[str, Any] | None = None
    extensions: Mapping[str, Any] | None = None


@dataclass(slots=True, eq=False)
class Outcome:
    """``body`` is the GraphQL response; ``status`` what application/graphql-response+json
    would answer (request errors 4xx, everything with ``data`` 200). One outcome may answer
    several de-duplicated requests: treat ``body`` as read-only; ``encoded`` keeps its JSON
    once a transport has encoded it, so it is encoded once for all of them."""

    body: dict[str, Any]
    status: int = 200
    admitted: Any = None  # what ran (for the access record), when something did
    encoded: bytes | None = None
    read: tuple[str, ...] = ()  # ``Type:key`` of the entities it read (access records on)

    @property
    def has_data(self) -> bool:
        return "data" in self.body


@dataclass(slots=True, eq=False)
class Incremental:
    """An answer in parts (``@defer``/``@stream`` for a client that accepts them): the
    payloads of ``gateway/request/incremental.py``, first one first. Closing the iterator
    (``aclose``) cancels the work still running."""

    payloads: AsyncIterator[dict[str, Any]]


# made per request, so not frozen (a frozen __init__ costs ≈ 0.2 µs a field); never changed
@dataclass(slots=True)
class Admitted:
    """A request that passed every check: ready to execute."""

    prepared: PreparedOperation
    variables: Mapping[str, Any]  # coerced, defaults included
    forwarded: Mapping[str, Any]  # as sent by the client, plus defaults of omitted ones
    raw: Mapping[str, Any]
    principal: Any = None  # who it runs as (``gateway.auth.Principal``; None: no access layer)
    query: str | None = None  # the text that runs (a persisted query's, once resolved)


_PLANNING_TIMEOUT = {
    "message": "Query planning took too long.",
    "extensions": {"code": "QUERY_PLANNING_FAILED"},
}


def _request_error(message: str, code: str, status: int = 400) -> Outcome:
    return Outcome({"errors": [{"message": message, "extensions": {"code": code}}]}, status)


def _null_condition(name: str) -> dict[str, Any]:
    # graphql-js words the execution error 'Argument "if" of non-null type "Boolean!" must
    # not be null.'; refused before any fetch, like the other variable errors
    return {
        "message": f'Variable "${name}" is null but @skip/@include requires a non-null "if".',
        "extensions": {"code": "BAD_USER_INPUT"},
    }


class Pipeline:
    def __init__(
        self,
        config: PrepareConfig,
        planning: Executor | None = None,
        explain_text: ExplainText | None = None,
        persisted: PersistedQueries | Safelist | None = None,
        demand: DemandControl | None = None,
        kernel: ModuleType | None = None,
        deduplicate: bool = False,
        deduplicate_fetches: bool = False,
        slots: ExecutionSlots | None = None,
    ) -> None:
        self.config = config
        # at most so many executions at once (``gateway/request/slots.py``); None = no limit
        self.slots = slots
        # the executor's compiled hot loops (gateway.executor.native); None: the reference
        self.kernel = kernel
        # identical concurrent queries share one execution (``gateway/request/dedup.py``)
        self.inflight: Inflight[Outcome] | None = Inflight() if deduplicate else None
        # subgraph requests of queries may share an identical in-flight request
        self.deduplicate_fetches = deduplicate_fetches
        self.demand = demand  # demand control (@cost); None = off
        self.planning = planning  # one worker thread: planning never blocks the event loop
        self.explain_text = explain_text
        self.persisted = persisted  # automatic persisted queries; None = not supported
        self._keys: tuple[object, dict[str, tuple[str, ...]]] = (None, {})

    def _entity_keys(self, state: GatewayState) -> dict[str, tuple[str, ...]]:
        """Entity type → key fields of ``state``'s supergraph (computed once per state)."""
        if self._keys[0] is not state:
            self._keys = (state, entity_keys(state.supergraph.supergraph_schema))
        return self._keys[1]

    async def prepared(
        self,
        state: GatewayState,
        query: str,
        operation_name: str | None,
        labels: frozenset[str],
        grants: Grants | None = None,
    ) -> PreparedOperation:
        digest = hashlib.sha256(query.encode())
        if operation_name:
            digest.update(b"\x00" + operation_name.encode())
        if labels:
            digest.update(b"\x01" + ",".join(sorted(labels)).encode())
        if grants is not None:
            # the principal's authorization-relevant grants change the plan, not its token
            digest.update(b"\x02" + grants.key)
        key = digest.digest()
        entry = state.operations.peek(key)
        if entry is not None:
            return entry

        async def build() -> PreparedOperation:
            authorize = None
            if grants is not None:
                authorize = functools.partial(
                    filter_operation,
                    state.supergraph.api_schema,
                    rules=state.authorization,
                    grants=grants,
                )
            args = (
                state.supergraph.api_schema,
                state.api_index,
                state.planner,
                query,
                operation_name,
                labels,
                self.config,
                authorize,
                self._entity_keys(state) if self.config.record_entity_keys else None,
            )
            if self.planning is None:
                return prepare_operation(*args)
            loop = asyncio.get_running_loop()
            # the planner thread continues this request's context (its trace, its log fields)
            run = contextvars.copy_context().run
            return await loop.run_in_executor(self.planning, run, prepare_operation, *args)

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
        principal: Any = None,
        incremental: bool = False,
    ) -> Outcome | Incremental:
        """Answer one query or mutation (subscriptions are refused here). ``incremental``:
        the client accepts an answer in parts; a query using ``@defer``/``@stream`` then gets
        an ``Incremental`` (every other request an ``Outcome``)."""
        admitted = await self.admit(
            state, request, method=method, headers=headers, principal=principal
        )
        if isinstance(admitted, Outcome):
            return admitted
        prepared = admitted.prepared
        if prepared.kind == "subscription":
            return _request_error(
                "Subscriptions are served over WebSocket (graphql-transport-ws).",
                "SUBSCRIPTION_NOT_SUPPORTED",
            )
        # In parts only while no access record needs the entities read: a deferred answer is
        # produced after the record is written, so @defer would read unrecorded (the spec lets
        # a server answer a deferring query at once).
        record_keys = self.config.record_entity_keys
        if incremental and not record_keys and prepared.kind == "query" and prepared.shape:
            if prepared.shape.incremental:
                return self._incremental(state, admitted, forward, explain)

        def execute() -> Awaitable[Outcome]:
            return self._execute(state, admitted, forward, explain)

        slots = self.slots
        if slots is None or admitted.prepared.answer_bytes[0] < slots.min_bytes:
            work = execute  # small trees interleave cheaply; waiting would cost more
        else:
            work = functools.partial(slots.run, execute)
        inflight = self.inflight
        if inflight is not None and admitted.prepared.kind == "query":
            # shared only by requests of the same principal: its grants shaped the plan, and
            # the subgraphs' OPD limits and the access record are its own
            key = request_key(
                admitted.prepared,
                admitted.forwarded,
                forward,
                explain=explain,
                principal=admitted.principal,
            )
            return await inflight.run(key, work)
        return await work()

    def _incremental(
        self,
        state: GatewayState,
        admitted: Admitted,
        forward: Mapping[str, str] | None,
        explain: bool,
    ) -> Outcome | Incremental:
        prepared = admitted.prepared
        plan, shape = prepared.plan, prepared.shape
        assert plan is not None and shape is not None
        if self.demand is not None:
            cost = self.demand.estimate(state.supergraph, plan, admitted.forwarded)
            if cost.refused:
                return Outcome({"errors": [cost.error()]}, 400)
        execution = self.execution(state, admitted, forward)
        intro_data, intro_errors = self._introspection(state, admitted)
        execution.errors.extend(intro_errors)
        shaping = IncrementalShaping(shape, state.api_index, admitted.variables)
        extensions = self._explain(plan) if explain else None
        return Incremental(
            incremental_payloads(plan.node, execution, shaping, intro_data, extensions)
        )

    async def _execute(
        self,
        state: GatewayState,
        admitted: Admitted,
        forward: Mapping[str, str] | None,
        explain: bool,
    ) -> Outcome:
        plan = admitted.prepared.plan
        assert plan is not None
        cost = None
        if self.demand is not None:
            cost = self.demand.estimate(state.supergraph, plan, admitted.forwarded)
            if cost.refused:
                return Outcome({"errors": [cost.error()]}, 400)
        execution = self.execution(state, admitted, forward)
        if plan.node is not None:
            await execute_plan(plan.node, execution)
        body = self.respond(state, admitted, execution)
        if explain:
            body["extensions"] = self._explain(plan)
        if cost is not None and self.demand is not None and self.demand.extensions:
            prepared = admitted.prepared
            if prepared.document is not None:
                self.demand.measure(
                    cost,
                    state.supergraph,
                    prepared.document,
                    prepared.operation_name,
                    body.get("data"),
                    admitted.forwarded,
                )
            body.setdefault("extensions", {})["cost"] = cost.extension()
        aliases = admitted.prepared.key_aliases
        read = tuple(read_entities(execution.data, aliases)) if aliases else ()
        return Outcome(body, admitted=admitted, read=read)

    async def admit(
        self,
        state: GatewayState,
        request: GraphQLRequest,
        *,
        method: str = "POST",
        headers: Mapping[str, str] | None = None,
        principal: Any = None,
    ) -> Admitted | Outcome:
        """Everything before execution: the prepared operation and coerced variables, or the
        response that ends the request here (request errors, planning errors)."""
        query = request.query
        persisted = self.persisted
        if persisted is not None and (request.extensions or getattr(persisted, "always", False)):
            try:
                query = persisted.resolve(query, request.extensions)
            except PersistedQueryError as exc:
                return Outcome({"errors": [exc.error]}, exc.status)
        if not isinstance(query, str) or not query or query.isspace():  # (no stripped copy)
            return _request_error("Must provide query string.", "BAD_REQUEST")
        labels = state.labels.active(headers if headers is not None else _NO_HEADERS)
        rules = state.authorization
        grants = None if rules.empty else rules.grants(principal)
        try:
            if tracing.enabled():
                with tracing.span("gateway", "gateway.prepare"):
                    prepared = await self.prepared(
                        state, query, request.operation_name, labels, grants
                    )
            else:  # no span, no context manager: tracing off costs nothing here
                prepared = await self.prepared(state, query, request.operation_name, labels, grants)
        except TimeoutError:
            log.error("gateway.planning_timeout", extra={"operation": request.operation_name})
            return Outcome({"data": None, "errors": [_PLANNING_TIMEOUT]})
        if prepared.request_errors:
            return Outcome({"errors": list(prepared.request_errors)}, prepared.error_status)
        if method == "GET" and prepared.kind != "query":
            return _request_error(
                f"Can only perform a {prepared.kind} operation from a POST request.",
                "METHOD_NOT_ALLOWED",
                405,
            )
        raw = request.variables or {}
        if prepared.variable_definitions:
            coerced = get_variable_values(
                state.supergraph.api_schema, prepared.variable_definitions, dict(raw), 50
            )
            if isinstance(coerced, list):
                errors: list[dict[str, Any]] = [dict(e.formatted) for e in coerced]
                for error in errors:
                    error["message"] = js_style(str(error["message"]))
                    error["extensions"] = {
                        **(error.get("extensions") or {}),
                        "code": "BAD_USER_INPUT",
                    }
                return Outcome({"errors": errors}, 400)
            variables: Mapping[str, Any] = coerced.coerced
            nulled = sorted(
                n for n in prepared.condition_variables if n in variables and variables[n] is None
            )
            if nulled:
                return Outcome({"errors": [_null_condition(n) for n in nulled]}, 400)
            forwarded = dict(prepared.variable_defaults)
            for definition in prepared.variable_definitions:
                name = definition.variable.name.value
                if name in raw:
                    forwarded[name] = raw[name]
        else:
            variables = forwarded = {}
        if prepared.planning_errors:
            return Outcome({"data": None, "errors": list(prepared.planning_errors)})
        return Admitted(prepared, variables, forwarded, raw, principal, query)

    def execution(
        self,
        state: GatewayState,
        admitted: Admitted,
        forward: Mapping[str, str] | None,
        data: dict[str, Any] | None = None,
    ) -> Execution:
        """A fresh execution of ``admitted`` (``data``: a starting result tree, e.g. one
        subscription event, for the rest of the plan to complete)."""
        return Execution(
            fetcher=state.fetcher,
            relations=state.relations,
            variables=admitted.variables,
            forwarded=admitted.forwarded,
            headers=forward,
            principal=admitted.principal,
            data=data if data is not None else {},
            evaluators=state.evaluators,
            kernel=self.kernel,
            shareable=self.deduplicate_fetches and admitted.prepared.kind == "query",
        )

    def respond(
        self, state: GatewayState, admitted: Admitted, execution: Execution
    ) -> dict[str, Any]:
        """The client's response body for a finished execution."""
        prepared = admitted.prepared
        assert prepared.shape is not None
        intro_data, intro_errors = self._introspection(state, admitted)
        data, shaping_errors = shape_response(
            prepared.shape,
            state.api_index,
            execution.data,
            admitted.variables,
            execution.errors,
            intro_data,
            execution.kernel,
        )
        body: dict[str, Any] = {"data": data}
        errors = execution.errors + intro_errors + shaping_errors
        if prepared.unauthorized:
            errors = unauthorized_errors(prepared.unauthorized, data) + errors
        if errors:
            body["errors"] = errors
        return body

    def _introspection(
        self, state: GatewayState, admitted: Admitted
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The answer to the operation's ``__schema``/``__type`` fields, if it has any."""
        prepared = admitted.prepared
        if prepared.introspection is not None:
            return prepared.introspection
        if prepared.shape is not None and prepared.shape.introspection is not None:
            return prepared.shape.introspection.run(state.supergraph.api_schema, dict(admitted.raw))
        return None, []

    def _explain(self, plan: QueryPlan) -> dict[str, Any]:
        out: dict[str, Any] = {"queryPlan": plan_to_json(plan)}
        if self.explain_text is not None:
            out["queryPlanText"] = self.explain_text(plan)
        return out
