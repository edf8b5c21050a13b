"""``create_app(spec, settings)``: the Starlette app every OPD service runs.

Routes: ``/graphql`` (the federation subgraph), ``/health/live``, ``/health/ready`` (store,
log and upstream), ``/sync`` (sync status as JSON), ``/metrics`` (Prometheus text, see
``services.kit.metrics``) and ``POST /webhook/{resource}`` (the upstream pushes changed
records; answered after they are applied). The lifespan opens and
closes everything through ``open_runtime``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import AsyncIterator, Iterable
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from services.kit.graphql.context import RequestContext
from services.kit.graphql.schema import build_schema
from services.kit.metrics import Metric, gauge, metrics_endpoint, service_metrics
from services.kit.ports import PortError
from services.kit.runtime import Clock, PushBusy, ServiceRuntime, open_runtime, utc_now
from services.kit.settings import ServiceSettings
from services.kit.spec import ServiceSpec


class _Holder:
    runtime: ServiceRuntime | None = None

    def get(self) -> ServiceRuntime:
        if self.runtime is None:
            raise RuntimeError("the service is not started (lifespan not run)")
        return self.runtime


class _SubgraphView(GraphQL[RequestContext, None]):
    def __init__(self, schema: Schema, holder: _Holder) -> None:
        super().__init__(schema, graphql_ide="graphiql")
        self._holder = holder

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        return RequestContext(self._holder.get())


def create_app(
    spec: ServiceSpec, settings: ServiceSettings, upstream_url: str, *, clock: Clock = utc_now
) -> Starlette:
    """The service's ASGI app; nothing is opened until its lifespan starts."""
    holder = _Holder()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(spec, settings, upstream_url, clock=clock) as rt:
            holder.runtime = rt
            try:
                yield
            finally:
                holder.runtime = None

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "live", "service": spec.name})

    async def ready(request: Request) -> Response:
        rt = holder.get()
        failing = dict(rt.readiness.state.reasons) if rt.readiness else {}
        if not rt.prepared.is_set():
            failing.setdefault("prepare", "indexes/topics/cursors not ready yet")
        stalled = rt.relay.stalled if rt.relay else None
        if stalled:  # live, not from the probe loop: the log may answer pings meanwhile
            failing["outbox"] = f"events wait and cannot be relayed: {stalled}"
        if settings.pull:
            # Ready once every resource has been pulled (the canonical copy caught up once)
            # and as long as the upstream answers.
            pulled = [rt.sync.of(b.resource).reachable for b in spec.entities]
            if not all(pulled):
                failing["upstream"] = rt.sync.last_error or "first sync not finished yet"
        body = {
            "status": "degraded" if failing else "ready",
            "service": spec.name,
            "failing": failing,
        }
        return JSONResponse(body, status_code=503 if failing else 200)

    async def sync(request: Request) -> Response:
        rt = holder.get()
        resources = {
            name: _json_fields(rs, hidden=("etag", "etag_query"))
            for name, rs in rt.sync.resources.items()
        }
        return JSONResponse(
            {
                "service": spec.name,
                "quarantined": rt.quarantine.open_count,
                "schema_drift": rt.drift.fields(),
                "resources": resources,
                "reconciliation": rt.reconciler and _json_fields(rt.reconciler.state),
            }  # fmt: skip
        )

    async def webhook(request: Request) -> Response:
        if (
            settings.webhook_token
            and request.headers.get("x-rumah-token") != settings.webhook_token
        ):
            return JSONResponse({"error": "bad or missing X-Rumah-Token"}, status_code=401)
        rt = holder.get()
        if not rt.prepared.is_set():
            return JSONResponse({"error": "not ready"}, status_code=503)
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            return JSONResponse({"error": "body is not JSON"}, status_code=400)
        records = body.get("data") if isinstance(body, dict) and "data" in body else [body]
        if not isinstance(records, list):
            records = [records]
        try:
            result = await rt.push(request.path_params["resource"], records)
        except KeyError:
            return JSONResponse({"error": "unknown resource"}, status_code=404)
        except PushBusy:
            return JSONResponse({"error": "busy: earlier pushes are still being written"},
                                status_code=503, headers={"Retry-After": "1"})  # fmt: skip
        except PortError as exc:
            return JSONResponse({"error": f"unavailable: {exc}"}, status_code=503)
        return JSONResponse(dataclasses.asdict(result))

    def collect() -> Iterable[Metric]:
        rt = holder.runtime
        yield gauge("rumah_service_up", "1 while the service runs with its backends open.",
                    {"service": spec.name}, 0.0 if rt is None else 1.0)  # fmt: skip
        if rt is not None:
            yield from service_metrics(rt, time.time())

    return Starlette(
        routes=[
            Route("/graphql", _SubgraphView(build_schema(spec), holder)),
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/sync", sync),
            Route("/webhook/{resource}", webhook, methods=["POST"]),
            Route("/metrics", metrics_endpoint(collect)),
        ],
        lifespan=lifespan,
    )


def upstream_url_for(spec: ServiceSpec, configured: str | None) -> str:
    """The configured upstream URL, else the catalog's simulator on this machine."""
    from services.catalog import entry

    return configured or f"http://127.0.0.1:{entry(spec.name).simulator_port}"


def create_service_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> Starlette:
    """``create_app`` with the defaults a deployment uses: settings from ``RUMAH_<NAME>_…``
    and the upstream from the catalog. Each service's ``bootstrap.create_app`` is this."""
    from rumah.settings import load_settings
    from services.kit.settings import service_settings_class

    settings = settings or load_settings(service_settings_class(spec.name))
    return create_app(spec, settings, upstream_url_for(spec, settings.upstream_url))


def _json_fields(state: Any, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """A status dataclass as JSON fields (instants as ISO-8601 text)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v)
            for k, v in dataclasses.asdict(state).items() if k not in hidden}  # fmt: skip
