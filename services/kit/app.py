"""``create_app(spec, settings)``: the Starlette app every OPD service runs.

Routes: ``/graphql`` (the federation subgraph; only with the gateway's credential, see
``services.kit.subgraph_auth``), ``/health/live``, ``/health/ready`` (store,
log and upstream), ``/sync`` (sync status as JSON), ``/metrics`` (Prometheus text, see
``services.kit.metrics``) and ``POST /webhook/{resource}`` (the upstream pushes changed
records; answered after they are applied). It runs on the kit's process shell
(``services.kit.shell``); the lifespan opens and closes everything through ``open_runtime``.
"""

from __future__ import annotations

import dataclasses
import functools
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from strawberry.asgi import GraphQL
from strawberry.federation import Schema

from rumah.common.clock import Clock, utc_now
from services.kit.cursors import CursorSeal
from services.kit.engine_gate import described
from services.kit.graphql.context import RequestContext
from services.kit.graphql.errors import unavailable_text
from services.kit.graphql.schema import build_schema
from services.kit.metrics import Metric, gauge, service_metrics, webhook_metrics
from services.kit.ports import LogUnavailable, PortError, StoreUnavailable
from services.kit.runtime import PushBusy, ServiceRuntime, open_runtime
from services.kit.settings import ServiceSettings
from services.kit.shell import Holder, shell_app
from services.kit.spec import ServiceSpec
from services.kit.subgraph_auth import GatewayCredentials, RequireGatewayCredential, principal_of
from services.kit.webhooks import WebhookReceiver, WebhookRefused, load_secret

log = logging.getLogger("rumah.service")


class _SubgraphView(GraphQL[RequestContext, None]):
    def __init__(self, schema: Schema, holder: Holder[ServiceRuntime], cursors: CursorSeal) -> None:
        super().__init__(schema, graphql_ide=None)
        self._holder, self._cursors = holder, cursors

    async def get_context(self, request: Any, response: Any) -> RequestContext:
        return RequestContext(self._holder.get(), principal_of(request.scope), self._cursors)


def create_app(
    spec: ServiceSpec, settings: ServiceSettings, upstream_url: str, *, clock: Clock = utc_now
) -> Starlette:
    """The service's ASGI app; nothing is opened until its lifespan starts.

    Raises ``rumah.common.keys.KeyConfigError`` when the gateway's public key is not configured
    (the subgraph would otherwise have no way to tell the gateway from anyone else).
    """
    holder: Holder[ServiceRuntime] = Holder()
    credentials = GatewayCredentials.from_settings(settings.subgraph_auth, spec.name)
    cursors = CursorSeal.from_settings(spec.name)
    raw_secret = settings.webhook_secret.get_secret_value()
    receiver = WebhookReceiver(
        load_secret(raw_secret, f"RUMAH_{spec.name.upper()}_WEBHOOK_SECRET") if raw_secret else None
    )
    if not receiver.configured:
        reason = "no webhook secret: every push is refused (pull still works)"
        log.warning("webhook.disabled", extra={"service": spec.name, "reason": reason})

    def failing_of(rt: ServiceRuntime) -> Mapping[str, str]:
        failing = dict(rt.readiness.state.reasons) if rt.readiness else {}
        if rt.gate is not None:
            failing = described(failing, rt.gate)
        if not rt.prepared.is_set():
            failing.setdefault("prepare", "indexes/topics/cursors not ready yet")
        stalled = rt.relay.stalled if rt.relay else None
        if stalled:  # live, not from the probe loop: the log may answer pings meanwhile
            # for people: the driver's words are in the log line outbox_relay.paused
            down = [failing[role] for role in ("log", "store") if role in failing]
            failing["outbox"] = "events wait and cannot be relayed" + (
                f" ({down[0]})" if down else "; the service log says why (outbox_relay.paused)"
            )
        if settings.pull:
            # Ready once every resource has been pulled (the canonical copy caught up once)
            # and as long as the upstream answers.
            pulled = [rt.sync.of(b.resource).reachable for b in spec.entities]
            if not all(pulled):
                failing["upstream"] = rt.sync.last_error or "first sync not finished yet"
        return failing

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
            }
        )

    async def webhook(request: Request) -> Response:
        raw = await _bounded_body(request, settings.webhook_max_bytes)
        if raw is None:
            return JSONResponse({"error": "push too large"}, status_code=413)
        try:
            msg_id = receiver.verify(raw, request.headers)
        except WebhookRefused as exc:
            log.info("webhook.refused", extra={"service": spec.name, "reason": exc.reason})
            return JSONResponse({"error": f"push refused: {exc.reason}"}, status_code=401)
        if msg_id is None:
            return JSONResponse({"duplicate": True})  # this webhook-id was applied already
        rt = holder.get()
        if not rt.prepared.is_set():
            return JSONResponse({"error": "not ready"}, status_code=503)
        try:
            body = orjson.loads(raw)
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
            return JSONResponse(
                {"error": "busy: earlier pushes are still being written"},
                status_code=503,
                headers={"Retry-After": "1"},
            )
        except (StoreUnavailable, LogUnavailable) as exc:
            # the caller (the OPD application) learns what is down, not the driver's words
            log.warning("service.webhook_unavailable", extra={"reason": repr(exc)})
            return JSONResponse({"error": unavailable_text(exc, rt.gate)}, status_code=503)
        except PortError as exc:  # not an outage (a conflict, a refused document): retry later
            log.warning("service.webhook_failed", extra={"reason": repr(exc)})
            return JSONResponse({"error": "not stored; retry later"}, status_code=503)
        receiver.applied(msg_id)
        return JSONResponse(dataclasses.asdict(result))

    def collect() -> Iterable[Metric]:
        rt = holder.current
        yield gauge(
            "rumah_service_up",
            "1 while the service runs with its backends open.",
            {"service": spec.name},
            0.0 if rt is None else 1.0,
        )
        if rt is not None:
            yield from service_metrics(rt, time.time())
        yield from webhook_metrics(spec.name, receiver)

    return shell_app(
        spec.name,
        holder,
        functools.partial(open_runtime, spec, settings, upstream_url, clock=clock),
        routes=[
            Route(
                "/graphql",
                RequireGatewayCredential(
                    _SubgraphView(build_schema(spec), holder, cursors), credentials
                ),
            ),
            Route("/sync", sync),
            Route("/webhook/{resource}", webhook, methods=["POST"]),
        ],
        failing=failing_of,
        collect=collect,
    )


async def _bounded_body(request: Request, limit: int) -> bytes | None:
    """The body, or None past ``limit`` bytes (an unsigned push must not cost memory)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def upstream_url_for(spec: ServiceSpec, configured: str | None) -> str:
    """The configured upstream URL, else the catalog's simulator on this machine."""
    from services.catalog import entry

    return configured or f"http://127.0.0.1:{entry(spec.name).simulator_port}"


def create_service_app(spec: ServiceSpec, settings: ServiceSettings | None = None) -> Starlette:
    """``create_app`` with the defaults a deployment uses: settings from ``RUMAH_<NAME>_…``
    and the upstream from the catalog. Each service's ``bootstrap.create_app`` is this."""
    from rumah.common.settings import load_settings
    from services.kit.settings import service_settings_class

    settings = settings or load_settings(service_settings_class(spec.name))
    return create_app(spec, settings, upstream_url_for(spec, settings.upstream_url))


def _json_fields(state: Any, hidden: tuple[str, ...] = ()) -> dict[str, Any]:
    """A status dataclass as JSON fields (instants as ISO-8601 text)."""
    return {
        k: (v.isoformat() if hasattr(v, "isoformat") else v)
        for k, v in dataclasses.asdict(state).items()
        if k not in hidden
    }
