"""``rumah gateway serve``: uvicorn (uvloop + httptools, one worker) around ``create_app``."""

from __future__ import annotations

import sys
from pathlib import Path

from gateway.app import create_app
from gateway.executor.native import NativeKernelMissing
from gateway.settings import GatewaySettings
from rumah.common.logs import configure_logging
from rumah.common.secret_settings import built_or_exit
from rumah.common.settings import load_settings
from rumah.common.tracing import configure_tracing


def serve(supergraph_path: Path, host: str = "127.0.0.1", port: int = 4000) -> None:
    """Serve the federated API until interrupted; /health is 503 until the supergraph loads."""
    import uvicorn

    from gateway.http.coalesce import CoalescingHttpToolsProtocol

    settings = load_settings(GatewaySettings)
    configure_logging(settings.log_level)
    configure_tracing("rumah-gateway")
    try:
        app = built_or_exit(lambda: create_app(settings, Path(supergraph_path)))
    except NativeKernelMissing as exc:
        print(f"RUMAH_GATEWAY_NATIVE=require: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    uvicorn.run(
        app,
        host=host,
        port=port,
        loop="uvloop",
        http=CoalescingHttpToolsProtocol,
        ws="websockets-sansio",
        # a WebSocket message (e.g. a subscribe) is bounded like an HTTP request body
        ws_max_size=settings.max_request_bytes or 16 * 1024 * 1024,
        lifespan="on",
        log_config=None,
        workers=1,
        access_log=settings.access_log,
        log_level=settings.log_level.lower(),
        server_header=False,
        proxy_headers=False,
        date_header=False,
    )
