"""Run a service or its simulator under uvicorn (uvloop + httptools) with catalog defaults."""

from __future__ import annotations

import logging

import uvicorn

# One structured log format (``event key=value …``) for every process of the hub.
from rumah.common.logs import configure_logging
from rumah.common.secret_settings import built_or_exit
from rumah.common.settings import load_settings
from rumah.common.tracing import configure_tracing
from services.catalog import entry
from services.kit.app import create_service_app
from services.kit.settings import service_settings_class, simulator_settings_class
from services.kit.shell import serve_shell_app
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.spec import ServiceSpec
from services.kit.webhooks import load_secret


def serve_service(spec: ServiceSpec) -> None:
    """``rumah service serve NAME``: the subgraph on the catalog port (or RUMAH_<NAME>_PORT)."""
    settings = load_settings(service_settings_class(spec.name))
    configure_logging(settings.log_level)
    configure_tracing(f"rumah-{spec.name}")
    app = built_or_exit(lambda: create_service_app(spec, settings))
    port = settings.port or entry(spec.name).port
    serve_shell_app(app, host=settings.host, port=port, log_level=settings.log_level)


def serve_simulator(spec: ServiceSpec) -> None:
    """``rumah service simulate NAME``: the OPD application's simulator."""
    settings = load_settings(simulator_settings_class(spec.name))
    configure_logging("INFO")
    configure_tracing(f"rumah-{spec.name}-upstream")
    cat = entry(spec.name)
    webhook = settings.webhook_url or f"http://127.0.0.1:{cat.port}/webhook"
    sim = Simulator(spec.workflow, seed=settings.seed)
    raw = settings.webhook_secret.get_secret_value()
    setting = f"RUMAH_{spec.name.upper()}_SIM_WEBHOOK_SECRET"
    secret = built_or_exit(lambda: load_secret(raw, setting)) if raw else None
    if settings.push and secret is None:
        logging.getLogger("rumah.simulator").warning(
            "simulator.push_disabled", extra={"reason": f"{setting} is not set"}
        )
    app = create_simulator_app(
        sim,
        rate=settings.rate,
        webhook_url=webhook if settings.push else None,
        webhook_secret=secret,
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port or cat.simulator_port or 0,
        loop="uvloop",
        http="httptools",
        log_level="warning",
        access_log=False,
        log_config=None,
    )
