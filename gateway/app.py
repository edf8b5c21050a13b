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

from gateway.auth import PRINCIPAL_HEADERS, HttpAuthMiddleware, authenticator_from_setting
from gateway.client import HttpSubgraphFetcher, probe_subgraphs, subgraph_transport
from gateway.client.probe import health_session
from gateway.demand import DemandControl
from gateway.http.cors import CORSMiddleware
from gateway.http.graphiql import ASSET_MOUNT
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.health import HealthEndpoint
from gateway.metrics import GatewayMetrics
from gateway.request.limits import Limits
from gateway.request.overrides import LabelHook
from gateway.request.persisted import PersistedQueries
from gateway.request.pipeline import ExplainText, Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.reload import SupergraphReloader
from gateway.request.state import StateHolder, build_state
from gateway.settings import GatewaySettings
from gateway.subscriptions import (
    SubscriptionEndpoint,
    SubscriptionOptions,
    SubscriptionRuntime,
    WebSocketUpstream,
)
from gateway.web.asgi import ASGIApp, Receive, Scope, Send, respond
from gateway.worker_metrics import MetricsShare, WorkerSlot
from rumah.common import tracing
from rumah.common.log_principal import LogPrincipal
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


def create_app(
    settings: GatewaySettings,
    supergraph_path: Path,
    *,
    label_hook: LabelHook | None = None,
    websocket: ASGIApp | None = None,
    worker: WorkerSlot | None = None,
) -> ASGIApp:
    """The production gateway: loads (and watches) ``supergraph_path`` in its lifespan.
    ``worker``: this app is one of several worker processes (``gateway/workers.py``); its
    ``/metrics`` then answers for all of them.

    Raises ``gateway.auth.TokenConfigError`` when ``RUMAH_GATEWAY_TOKENS`` is malformed.
    """
    authenticator = authenticator_from_setting(settings.tokens.get_secret_value())
    holder = StateHolder()
    pipeline = Pipeline(
        PrepareConfig(
            max_tokens=settings.max_tokens,
            limits=Limits(max_depth=settings.max_depth, max_aliases=settings.max_aliases),
            introspection=settings.introspection,
            planning_timeout=settings.planning_timeout,
        ),
        explain_text=_explain_text(),
        persisted=PersistedQueries() if settings.persisted_queries else None,
        demand=None
        if settings.demand_control == "off"
        else DemandControl(
            settings.demand_control,
            settings.demand_control_max,
            settings.demand_control_list_size,
            settings.demand_control_extensions,
        ),
        deduplicate=settings.deduplicate_requests,
        deduplicate_fetches=settings.deduplicate_subgraph_requests,
    )
    # Principal headers reach subgraphs only from the access layer, never from a client.
    forward_headers = (
        frozenset(h.lower().encode("latin-1") for h in settings.forward_headers)
        - _RESERVED_HEADERS
        - PRINCIPAL_HEADERS
    )
    options = EndpointOptions(
        max_body_bytes=settings.max_request_bytes,
        forward_headers=forward_headers | PRINCIPAL_HEADERS if authenticator else forward_headers,
        explain_header=settings.explain_header.lower().encode("latin-1"),
        graphiql=settings.graphiql,
    )
    metrics = GatewayMetrics()
    metrics.state = lambda: holder.current
    inflight = pipeline.inflight
    if inflight is not None:
        metrics.requests_joined = lambda: inflight.joined
    graphql: ASGIApp = GraphQLEndpoint(holder, pipeline, options, metrics)
    # inside the access layer: the principal headers are the authenticated ones
    graphql = LogPrincipal(graphql, sorted(PRINCIPAL_HEADERS, reverse=True))
    if authenticator is not None:
        graphql = HttpAuthMiddleware(graphql, authenticator)
    health = HealthEndpoint(holder, cache_s=settings.health_cache)
    if websocket is None:
        websocket = SubscriptionEndpoint(
            SubscriptionRuntime(
                holder,
                pipeline,
                WebSocketUpstream(open_timeout=settings.ws_upstream_timeout),
                authenticator,
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
            )
        )
    if isinstance(websocket, SubscriptionEndpoint):
        endpoint = websocket
        metrics.websockets = lambda: endpoint.active

    @asynccontextmanager
    async def lifespan() -> AsyncIterator[None]:
        if authenticator is None:
            log.warning(
                "gateway.auth_disabled",
                extra={"reason": "RUMAH_GATEWAY_TOKENS is not set: every request is served"},
            )
        else:
            log.info("gateway.auth_enabled", extra={"tokens": len(authenticator)})
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
                probe_subgraphs, transport, limit=settings.health_probe_timeout,
                session=probes, health_path=settings.subgraph_health_path,
            )  # fmt: skip

            def fetcher(subgraphs: Any) -> HttpSubgraphFetcher:
                return HttpSubgraphFetcher(
                    transport,
                    subgraphs,
                    timeout=settings.subgraph_timeout,
                    timeouts=settings.subgraph_timeouts,
                    metrics=metrics,
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
                force_polling=settings.reload_force_polling,
                poll_interval=settings.reload_poll_interval,
            )
            # Loading runs in the background: the server answers /health 503 until it is done.
            task = asyncio.create_task(reloader.run(), name="gateway-supergraph")
            sharing = None
            if worker is not None:
                share = MetricsShare(worker)
                metrics.carried = share.adopt()  # a replaced worker's counts stay counted
                metrics.worker = {"index": worker.index, "pid": os.getpid()}
                metrics.peers = share.peers
                sharing = asyncio.create_task(share.run(metrics.snapshot), name="metrics-share")
            try:
                yield
            finally:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
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
