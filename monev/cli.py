"""``rumah monev serve``: the Monev web app (default http://127.0.0.1:4010/)."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("serve")
def serve(
    host: str | None = typer.Option(None, "--host", help="default: RUMAH_MONEV_HOST"),
    port: int | None = typer.Option(None, "--port", help="default: RUMAH_MONEV_PORT (4010)"),
) -> None:
    """Serve Monev (a client of the gateway at RUMAH_MONEV_GATEWAY_URL)."""
    import uvicorn

    from monev.app import create_app
    from monev.settings import MonevSettings
    from rumah.common.logs import configure_logging
    from rumah.common.settings import load_settings

    overrides = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    settings = load_settings(MonevSettings, **overrides)
    configure_logging(settings.log_level)  # RUMAH_LOG_FORMAT, like every process of the hub
    if settings.auth == "local":
        from monev.auth.local import ensure_credentials

        ensure_credentials(settings.dev_credentials)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        http="httptools",
        log_config=None,
        loop="uvloop",
        timeout_graceful_shutdown=3,
    )
