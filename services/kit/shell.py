"""The one process shell every service runs in (the OPD services and the ledger).

``shell_app`` gives a Starlette app the parts every process has: a lifespan that opens the
process's runtime and holds it while the app serves, ``/health/live``, ``/health/ready``
(503 with the failing dependencies until everything is up) and ``/metrics``. The process
adds its own routes and says what "ready" and its metrics are; ``serve_shell_app`` runs it.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Generic, TypeVar

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from rumah.common import tracing
from rumah.common.request_id import RequestIdMiddleware
from rumah.common.trace_asgi import TraceMiddleware
from services.kit.metrics import Metric, metrics_endpoint

T = TypeVar("T")
# What the gateway forwards about the caller (role, then OPD): labels the request's log lines.


class Holder(Generic[T]):
    """The process's runtime while the lifespan runs (``None`` before and after)."""

    def __init__(self) -> None:
        self.current: T | None = None

    def get(self) -> T:
        if self.current is None:
            raise RuntimeError("the service is not started (lifespan not run)")
        return self.current


def shell_app(
    name: str,
    holder: Holder[T],
    open_runtime: Callable[[], AbstractAsyncContextManager[T]],
    *,
    routes: Sequence[BaseRoute],
    failing: Callable[[T], Mapping[str, str]],
    collect: Callable[[], Iterable[Metric]],
) -> Starlette:
    """``routes`` plus ``/health/live``, ``/health/ready`` and ``/metrics``; the lifespan
    enters ``open_runtime()`` and keeps what it yields in ``holder``."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime() as runtime:
            holder.current = runtime
            try:
                yield
            finally:
                holder.current = None

    async def live(request: Request) -> Response:
        return JSONResponse({"status": "live", "service": name})

    async def ready(request: Request) -> Response:
        runtime = holder.current
        reasons = {"starting": "lifespan"} if runtime is None else dict(failing(runtime))
        status = "degraded" if reasons else "ready"
        body = {"status": status, "service": name, "failing": reasons}
        return JSONResponse(body, status_code=503 if reasons else 200)

    return Starlette(
        routes=[
            *routes,
            Route("/health/live", live),
            Route("/health/ready", ready),
            Route("/metrics", metrics_endpoint(collect)),
        ],
        middleware=[
            Middleware(RequestIdMiddleware),
            # a server span per request, continuing the gateway's traceparent (tracing on)
            *([Middleware(TraceMiddleware, component=name)] if tracing.enabled() else []),
        ],
        lifespan=lifespan,
    )


def serve_shell_app(app: Starlette, *, host: str, port: int, log_level: str) -> None:
    """Serve ``app`` under uvicorn (uvloop + httptools, WebSockets by ``websockets``)."""
    import uvicorn

    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http="httptools",
        ws="websockets",
        log_level=log_level.lower(),
        access_log=False,
        log_config=None,  # uvicorn's loggers go through the process's format (rumah.common.logs)
    )
