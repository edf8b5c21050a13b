"""Wiring of the ledger: ``create_app`` (ASGI factory), ``serve`` (``rumah service serve
ledger``) and ``subgraph_sdl`` (``rumah schemas export``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from starlette.applications import Starlette

    from services.ledger.settings import LedgerSettings


def create_app(settings: LedgerSettings | None = None) -> Starlette:
    """The ledger's ASGI app (``uvicorn services.ledger.bootstrap:create_app --factory``)."""
    from rumah.common.settings import load_settings
    from services.ledger.app import create_app as build
    from services.ledger.settings import LedgerSettings

    return build(settings or load_settings(LedgerSettings))


def serve() -> None:
    """``rumah service serve ledger``: the subgraph on the catalog port (or RUMAH_LEDGER_PORT)."""
    from rumah.common.logs import configure_logging
    from rumah.common.secret_settings import built_or_exit
    from rumah.common.settings import load_settings
    from rumah.common.tracing import configure_tracing
    from services.catalog import entry
    from services.kit.shell import serve_shell_app
    from services.ledger.settings import LedgerSettings

    settings = load_settings(LedgerSettings)
    configure_logging(settings.log_level)
    configure_tracing("rumah-ledger")
    port = settings.port or entry("ledger").port
    app = built_or_exit(lambda: create_app(settings))
    serve_shell_app(app, host=settings.host, port=port, log_level=settings.log_level)


def subgraph_sdl() -> str:
    """The SDL the gateway composes (what ``_service { sdl }`` answers)."""
    from strawberry.printer import print_schema

    from services.ledger.schema import build_schema

    return print_schema(build_schema()) + "\n"
