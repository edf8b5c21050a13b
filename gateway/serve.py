"""``rumah gateway serve``: uvicorn (uvloop + httptools) around ``create_app``.

One worker (the default, ``RUMAH_GATEWAY_WORKERS=1``) serves in this process. With more,
this process becomes the supervisor of ``gateway/workers.py``: one worker process per
``SO_REUSEPORT`` socket, each a whole gateway (its own supergraph watch and caches), sharing
its metrics with the others (``gateway/worker_metrics.py``).
"""

from __future__ import annotations

import functools
import os
import shutil
import socket
import sys
import tempfile
from pathlib import Path
from typing import Any

from gateway.access_records import SinkOpener, sink_opener, use_sink_opener
from gateway.app import create_app
from gateway.executor.native import NativeKernelMissing
from gateway.settings import GatewaySettings
from gateway.worker_metrics import WorkerSlot
from gateway.workers import STARTUP_FAILURE, BindError, Supervisor, listen
from rumah.common.gc_tuning import set_young_threshold
from rumah.common.logs import configure_logging
from rumah.common.secret_settings import built_or_exit
from rumah.common.settings import load_settings
from rumah.common.tracing import configure_tracing


def configure_process() -> GatewaySettings:
    """The settings of this serving process, with its logging and garbage collector set."""
    settings = load_settings(GatewaySettings)
    configure_logging(settings.log_level)
    set_young_threshold(settings.gc_young_threshold)
    return settings


def worker_count(requested: int | None, settings: GatewaySettings) -> int:
    """``--workers`` if given, else the setting; 0 means one per CPU core."""
    count = settings.workers if requested is None else requested
    return count if count > 0 else (os.cpu_count() or 1)


def serve(
    supergraph_path: Path, host: str = "127.0.0.1", port: int = 4000, workers: int | None = None
) -> None:
    """Serve the federated API until interrupted; /health is 503 until the supergraph loads."""
    settings = configure_process()
    count = worker_count(workers, settings)
    if count > 1:
        raise SystemExit(_supervise(Path(supergraph_path), host, port, count, settings))
    import uvicorn

    configure_tracing("rumah-gateway")
    app = _app(settings, Path(supergraph_path), None)
    uvicorn.run(app, host=host, port=port, workers=1, **_uvicorn_options(settings))


def _app(settings: GatewaySettings, supergraph_path: Path, worker: WorkerSlot | None) -> Any:
    try:
        return built_or_exit(lambda: create_app(settings, supergraph_path, worker=worker))
    except NativeKernelMissing as exc:
        print(f"RUMAH_GATEWAY_NATIVE=require: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def _uvicorn_options(settings: GatewaySettings) -> dict[str, Any]:
    from gateway.http.coalesce import CoalescingHttpToolsProtocol

    return {
        "loop": "uvloop",
        "http": CoalescingHttpToolsProtocol,
        "ws": "websockets-sansio",
        # a WebSocket message (e.g. a subscribe) is bounded like an HTTP request body
        "ws_max_size": settings.max_request_bytes or 16 * 1024 * 1024,
        "lifespan": "on",
        "log_config": None,
        "access_log": settings.access_log,
        "log_level": settings.log_level.lower(),
        "server_header": False,
        "proxy_headers": False,
        "date_header": False,
        "timeout_graceful_shutdown": settings.shutdown_timeout,
    }


def _supervise(
    supergraph_path: Path, host: str, port: int, count: int, settings: GatewaySettings
) -> int:
    try:
        sockets = listen(host, port, count)
    except BindError as exc:
        print(f"rumah gateway: {exc.strerror}", file=sys.stderr)
        return 1
    shared = Path(tempfile.mkdtemp(prefix="rumah-gateway-workers-"))  # 0700: this user only
    # the access-record sink the starting process installed (a spawned worker imports only
    # this module): passed by reference, installed again in each worker
    target = functools.partial(_worker, supergraph_path.resolve(), shared, count, sink_opener())
    try:
        # stragglers get the workers' own shutdown timeout, plus time to run the lifespan
        return Supervisor(target, sockets, grace=settings.shutdown_timeout + 10).run()
    finally:
        shutil.rmtree(shared, ignore_errors=True)


def _worker(
    supergraph_path: Path,
    shared: Path,
    count: int,
    opener: SinkOpener | None,
    index: int,
    sock: socket.socket,
) -> None:
    """One worker process: a whole gateway on its own socket (``Supervisor`` target)."""
    import uvicorn

    if opener is not None:
        use_sink_opener(opener)
    settings = configure_process()
    configure_tracing("rumah-gateway")
    app = _app(settings, supergraph_path, WorkerSlot(index, count, shared))
    server = uvicorn.Server(uvicorn.Config(app, **_uvicorn_options(settings)))
    server.run(sockets=[sock])
    if not server.started:
        sys.exit(STARTUP_FAILURE)
