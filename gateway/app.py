"""The gateway's ASGI application: a lean router over its endpoints (``/graphql``,
``/health``, ``/health/ready``, ``/metrics``), plus the wiring.

``GatewayApp`` dispatches by scope type — HTTP to the endpoints, ``websocket`` to a pluggable
handler (graphql-transport-ws subscriptions plug in there), ``lifespan`` to an async context
manager. ``create_app`` is the one place the production pieces are wired together.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import os
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from typing import Any

from gateway.access_records import (
    AccessRecorder,
    Describer,
    RecordSink,
    new_record,
    sink_opener,
)
from gateway.auth import PRINCIPAL_HEADERS, AccessConfigError
from gateway.auth import native as native_auth
from gateway.auth.setup import access_from_settings
from gateway.client import HttpSubgraphFetcher, probe_subgraphs, subgraph_transport
from gateway.client.probe import health_session
from gateway.demand import DemandControl
from gateway.executor.native import load_kernel
from gateway.http.cors import CORSMiddleware
from gateway.http.graphiql import ASSET_MOUNT
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.health import HealthEndpoint
from gateway.metrics import GatewayMetrics
from gateway.ports import SubgraphFetcher
from gateway.profile import apply_profile
from gateway.request.limits import Limits
from gateway.request.overrides import LabelHook
from gateway.request.persisted import PersistedQueries
from gateway.request.pipeline import ExplainText, Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.reload import SupergraphReloader
from gateway.request.safelist import Safelist, SafelistError
from gateway.request.slots import ExecutionSlots
from gateway.request.state import StateHolder, build_state
from gateway.schema_changes import broken_operations
from gateway.settings import GatewaySettings
from gateway.subscriptions import (
    SubscriptionEndpoint,
    SubscriptionOptions,
    SubscriptionRuntime,
    WebSocketUpstream,
)
from gateway.subscriptions.credentialed import CredentialedUpstream
from gateway.subscriptions.upstream import Upstream
from gateway.web.asgi import ASGIApp, Receive, Scope, Send, respond
from gateway.worker_metrics import MetricsShare, WorkerSlot
from rumah.common import tracing
from rumah.common.request_id import RequestIdMiddleware
from rumah.common.trace_asgi import TraceMiddleware
from rumah.common.webassets.asgi import AssetApp

log = logging.getLogger("gateway.http")

Lifespan = Callable[[], AbstractAsyncContextManager[None]]
# Never forwarded even when listed: the subgraph client owns these.
_RESERVED_HEADERS = frozenset(
    {
        b"host",
        b"content-length",
        b"content-type",
        b"accept",
        b"connection",
        b"keep-alive",
        b"transfer-encoding",
        b"te",
        b"trailer",
        b"upgrade",
        b"accept-encoding",
    }
)
_ASSETS = AssetApp(ASSET_MOUNT)
_NOT_FOUND = b'{"errors":[{"message":"Not found.","extensions":{"code":"NOT_FOUND"}}]}'


class GatewayApp:
    def __init__(
        self,
        *,
        graphql: ASGIApp,
        health: HealthEndpoint,
        graphql_paths: tuple[str, ...] = ("/graphql",),
        websocket: ASGIApp | None = None,
        lifespan: Lifespan | None = None,
        metrics: ASGIApp | None = None,
    ) -> None:
        self.graphql = graphql
        self.health = health
        self.metrics = metrics
        self.graphql_paths = frozenset(graphql_paths)
        self.websocket = websocket
        self.lifespan = lifespan

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        kind = scope["type"]
        if kind == "http":
            path = scope["path"]
            if path in self.graphql_paths:
                await self.graphql(scope, receive, send)
            elif path == "/health":
                await self.health.live(scope, receive, send)
            elif path == "/health/ready":
                await self.health.ready(scope, receive, send)
            elif path == "/metrics" and self.metrics is not None:
                await self.metrics(scope, receive, send)
            elif path.startswith(ASSET_MOUNT + "/"):
                await _ASSETS(scope, receive, send)  # GraphiQL's scripts, served here
            else:
                await respond(send, 404, _NOT_FOUND)
        elif kind == "websocket":
            if self.websocket is not None and scope["path"] in self.graphql_paths:
                await self.websocket(scope, receive, send)
            else:
                await send({"type": "websocket.close", "code": 1008})
        elif kind == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        message = await receive()
        assert message["type"] == "lifespan.startup"
        manager = self.lifespan() if self.lifespan else contextlib.nullcontext()
        try:
            await manager.__aenter__()
        except Exception as exc:
            log.exception("gateway.startup_failed")
            await send({"type": "lifespan.startup.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.startup.complete"})
        message = await receive()
        try:
            await manager.__aexit__(None, None, None)
        except Exception as exc:
            log.exception("gateway.shutdown_failed")
            await send({"type": "lifespan.shutdown.failed", "message": str(exc)})
            return
        await send({"type": "lifespan.shutdown.complete"})


def _explain_text() -> ExplainText | None:
    """The planner's text rendering of plans, when ``gateway.explain`` provides one."""
    try:
        from gateway import explain
    except ImportError:
        return None
    fn = getattr(explain, "plan_to_text", None)
    return fn if callable(fn) else None


def explain_header(settings: GatewaySettings) -> bytes | None:
    """The request header that asks for the query plan; None (no header does) when
    ``RUMAH_GATEWAY_EXPLAIN=false`` — the production profile."""
    return settings.explain_header.lower().encode("latin-1") if settings.explain else None


def _safelist_guard(safelist: Safelist) -> Callable[[Any], str | None]:
    """A reload that would break operations of the safelist is refused (the old supergraph
    goes on serving them), as a schema registry's check protects its clients."""

    def guard(state: Any) -> str | None:
        broken = broken_operations(safelist.operations, state.supergraph.api_schema)
        if not broken:
            return None
        first = broken[0]
        return (
            f"the new supergraph breaks {len(broken)} safelisted operation(s), e.g. "
            f"{first.id}: {'; '.join(first.errors)}"
        )

    return guard


def _ws_recorder(recorder: AccessRecorder | None) -> Callable[..., bool] | None:
    """How WebSocket operations leave their access records (one per subscribe)."""
    if recorder is None:
        return None
    describer = Describer()

    def record(principal: Any, state: Any, query: Any, admitted: Any, kind: str, body: Any) -> bool:
        entry = describer.describe(
            new_record(principal, None), state, query, kind, 200, body, admitted
        )
        return recorder.submit(entry)

    return record


def create_app(
    settings: GatewaySettings,
    supergraph_path: Path,
    *,
    label_hook: LabelHook | None = None,
    websocket: ASGIApp | None = None,
    access_sink: RecordSink | None = None,
    worker: WorkerSlot | None = None,
) -> ASGIApp:
    """The production gateway: loads (and watches) ``supergraph_path`` in its lifespan.
    ``worker``: this app is one of several worker processes (``gateway/workers.py``); its
    ``/metrics`` then answers for all of them.

    Raises ``gateway.auth.AccessConfigError`` when the access settings cannot work (no
    identity provider and ``RUMAH_GATEWAY_AUTH`` is not ``none``, a malformed token map or
    key) and ``gateway.executor.native.NativeKernelMissing`` when ``RUMAH_GATEWAY_NATIVE=require``
    finds no current compiled kernel (``gateway.auth.native.NativeAuthMissing``, a kind of it,
    no current compiled access gate).
    """
    settings = apply_profile(settings)
    kernel = load_kernel(settings.native)
    native_auth.check(settings.native)
    access = access_from_settings(settings)
    persisted: PersistedQueries | Safelist | None = None
    if settings.safelist.strip():
        try:
            persisted = Safelist.from_file(settings.safelist.strip())
        except SafelistError as exc:
            raise AccessConfigError(str(exc)) from None
    elif settings.persisted_queries:
        persisted = PersistedQueries()
    holder = StateHolder()
    pipeline = Pipeline(
        PrepareConfig(
            max_tokens=settings.max_tokens,
            limits=Limits(max_depth=settings.max_depth, max_aliases=settings.max_aliases),
            introspection=settings.introspection,
            planning_timeout=settings.planning_timeout,
            record_entity_keys=access_sink is not None or settings.access_records == "eventlog",
        ),
        explain_text=_explain_text(),
        demand=None
        if settings.demand_control == "off"
        else DemandControl(
            settings.demand_control,
            settings.demand_control_max,
            settings.demand_control_list_size,
            settings.demand_control_extensions,
        ),
        persisted=persisted,
        kernel=kernel,
        deduplicate=settings.deduplicate_requests,
        deduplicate_fetches=settings.deduplicate_subgraph_requests,
        slots=ExecutionSlots(
            settings.execution_slots,
            settings.execution_slot_hold,
            settings.execution_slots_max,
            min_bytes=settings.execution_slot_min_bytes,
        )
        if settings.execution_slots
        else None,
    )
    # Principal headers reach subgraphs only from the access layer, never from a client.
    forward_headers = (
        frozenset(h.lower().encode("latin-1") for h in settings.forward_headers)
        - _RESERVED_HEADERS
        - PRINCIPAL_HEADERS
    )
    options = EndpointOptions(
        max_body_bytes=settings.max_request_bytes,
        forward_headers=forward_headers,
        explain_header=explain_header(settings),
        graphiql=settings.graphiql,
    )
    metrics = GatewayMetrics()
    metrics.state = lambda: holder.current
    recorder = None
    opener = sink_opener()
    if access_sink is None and settings.access_records == "eventlog" and opener is None:
        raise AccessConfigError(
            "RUMAH_GATEWAY_ACCESS_RECORDS=eventlog needs Rumah's event log: start the gateway "
            "with `rumah gateway serve` (or set RUMAH_GATEWAY_ACCESS_RECORDS=off)"
        )
    if access_sink is not None or settings.access_records == "eventlog":
        recorder = AccessRecorder(access_sink, capacity=settings.access_buffer)  # type: ignore[arg-type]
    inflight = pipeline.inflight
    if inflight is not None:
        metrics.requests_joined = lambda: inflight.joined
    slots = pipeline.slots
    if slots is not None:
        metrics.slots = lambda: (slots.limit, slots.waiting)
    graphql: ASGIApp = GraphQLEndpoint(holder, pipeline, options, metrics, access.gate, recorder)
    health = HealthEndpoint(
        holder, cache_s=settings.health_cache, notice=access.health(), checks=access.readiness
    )
    if websocket is None:
        upstream: Upstream = WebSocketUpstream(open_timeout=settings.ws_upstream_timeout)
        if access.signer is not None:
            upstream = CredentialedUpstream(upstream, access.signer)
        websocket = SubscriptionEndpoint(
            SubscriptionRuntime(
                holder,
                pipeline,
                upstream,
                access.authenticator,
                SubscriptionOptions(
                    init_timeout=settings.ws_init_timeout,
                    keepalive_interval=settings.ws_keepalive_interval,
                    max_connections=settings.ws_max_connections,
                    max_subscriptions=settings.ws_max_subscriptions,
                    send_buffer_messages=settings.ws_send_buffer_messages,
                    send_buffer_bytes=settings.ws_send_buffer_bytes,
                    close_timeout=settings.ws_close_timeout,
                    forward_headers=forward_headers,
                ),
                access.gate.limiter,
                _ws_recorder(recorder),
                access.gate.failures,
            )
        )
    if isinstance(websocket, SubscriptionEndpoint):
        endpoint = websocket
        metrics.websockets = lambda: endpoint.active

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        access.log_start()
        log.info(
            "gateway.profile",
            extra={
                "profile": settings.profile,
                "graphiql": settings.graphiql,
                "introspection": settings.introspection,
                "safelist": len(persisted) if isinstance(persisted, Safelist) else 0,
            },
        )
        async with (
            subgraph_transport(
                settings.subgraph_client,
                settings.subgraph_pool_size,
                settings.subgraph_connect_timeout,
            ) as transport,
            health_session() as probes,
        ):
            planning = ThreadPoolExecutor(max_workers=1, thread_name_prefix="gateway-planner")
            pipeline.planning = planning
            health.prober = functools.partial(
                probe_subgraphs,
                transport,
                limit=settings.health_probe_timeout,
                session=probes,
                health_path=settings.subgraph_health_path,
            )

            def fetcher(subgraphs: Any) -> SubgraphFetcher:
                signer = access.signer
                return HttpSubgraphFetcher(
                    transport,
                    subgraphs,
                    timeout=settings.subgraph_timeout,
                    timeouts=settings.subgraph_timeouts,
                    metrics=metrics,
                    credentials=signer.credential if signer is not None else None,
                    deduplicate=settings.deduplicate_subgraph_requests,
                )

            reloader = SupergraphReloader(
                supergraph_path,
                holder,
                functools.partial(
                    build_state,
                    fetcher_factory=fetcher,
                    cache_size=settings.plan_cache_size,
                    always_labels=frozenset(settings.override_labels),
                    label_hook=label_hook,
                    subgraph_urls=settings.subgraph_urls,
                ),
                watch=settings.hot_reload,
                guard=_safelist_guard(persisted) if isinstance(persisted, Safelist) else None,
                force_polling=settings.reload_force_polling,
                poll_interval=settings.reload_poll_interval,
            )
            # Loading runs in the background: the server answers /health 503 until it is done.
            task = asyncio.create_task(reloader.run(), name="gateway-supergraph")
            keys = asyncio.create_task(access.run(), name="gateway-identity-keys")
            sharing = None
            if worker is not None:
                share = MetricsShare(worker)
                metrics.carried = share.adopt()  # a replaced worker's counts stay counted
                metrics.worker = {"index": worker.index, "pid": os.getpid()}
                metrics.peers = share.peers
                sharing = asyncio.create_task(share.run(metrics.snapshot), name="metrics-share")
            async with contextlib.AsyncExitStack() as stack:
                if recorder is not None and recorder.sink is None and opener is not None:
                    recorder.sink = await stack.enter_async_context(
                        opener(settings.access_topic_prefix)
                    )
                records = (
                    asyncio.create_task(recorder.run(), name="gateway-access-records")
                    if recorder is not None
                    else None
                )
                try:
                    yield
                finally:
                    for background in (task, keys, records):
                        if background is None:
                            continue
                        background.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await background
                planning.shutdown(wait=False, cancel_futures=True)
                if sharing is not None:  # last: its final snapshot counts everything
                    sharing.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sharing

    app: ASGIApp = GatewayApp(
        graphql=graphql,
        health=health,
        graphql_paths=(settings.graphql_path, "/"),
        websocket=websocket,
        lifespan=lifespan,
        metrics=metrics.endpoint,
    )
    if settings.cors_allow_origins:
        app = CORSMiddleware(
            app,
            allow_origins=settings.cors_allow_origins,
            allow_headers=settings.cors_allow_headers,
            max_age=settings.cors_max_age,
        )
    if tracing.enabled():  # added only while on: tracing off costs no extra call
        app = TraceMiddleware(app, "gateway")
    return RequestIdMiddleware(app)
