"""``rumah infra up|down|status|start|stop``: the real engines for run and test."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)
T = TypeVar("T")


def _run(coro: Coroutine[Any, Any, T]) -> T:
    from infra.errors import EngineError

    # The probes retry while an engine boots; the clients' own connection errors are noise.
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
    try:
        return asyncio.run(coro)
    except EngineError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _engines() -> Any:
    from infra.engines import Engines
    from infra.settings import InfraSettings
    from rumah.settings import load_settings

    return Engines(load_settings(InfraSettings))


def _print_status(statuses: list[Any]) -> None:
    for s in statuses:
        mem = f"{s.rss_bytes / 2**20:.0f} MiB" if s.rss_bytes else "-"
        line = (
            f"{s.name:<9} {s.state:<12} pid={s.pid or '-':<8} addr={s.address:<16} "
            f"version={s.version or '-':<8} rss={mem}"
        )
        typer.echo(line + (f"  ({s.detail})" if s.detail else ""))


@app.command()
def up() -> None:
    """Build (first time), start and health-check Kafka, FerretDB and Keycloak; idempotent."""
    engines = _engines()
    typer.echo("infra: starting Kafka, FerretDB and Keycloak (the first run fetches and builds)…")
    started = time.monotonic()
    statuses = _run(engines.up())
    _print_status(statuses)
    typer.echo(f"infra: up in {time.monotonic() - started:.1f}s")


@app.command()
def down() -> None:
    """Stop both engines (SIGTERM, then SIGKILL after the stop timeout); data is kept."""
    _run(_engines().down())
    typer.echo("infra: stopped")


@app.command()
def status() -> None:
    """Print each engine's state, pid, address, version and memory."""
    statuses = _run(_engines().status())
    _print_status(statuses)
    if any(s.state != "running" for s in statuses):
        raise typer.Exit(3)


@app.command()
def start(engine: str = typer.Argument(..., help="kafka, ferretdb or keycloak")) -> None:
    """Start one engine (after `stop`) and wait until it accepts work."""
    _print_status([_run(_engines().start(_name(engine)))])


@app.command()
def stop(engine: str = typer.Argument(..., help="kafka, ferretdb or keycloak")) -> None:
    """Stop one engine, as an outage would (for fault tests)."""
    _run(_engines().stop(_name(engine)))
    typer.echo(f"infra: {engine} stopped")


def _name(engine: str) -> Any:
    from infra.specs import ENGINE_NAMES

    if engine not in ENGINE_NAMES:
        raise typer.BadParameter(f"expected one of {', '.join(ENGINE_NAMES)}", param_hint="ENGINE")
    return engine
