"""``rumah infra up|down|status|start|stop``: the real engines for run and test."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)
ENGINE = typer.Argument(..., help="an engine (kafka, ferretdb, …) or one node (kafka-2)")
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
    from rumah.common.settings import load_settings

    return Engines(load_settings(InfraSettings))


class _Steps(logging.Handler):
    """The engines' own log events (spawned, healthy, stopped) as progress steps."""

    WORDS = {
        "infra.engine.spawned": "fetched/built, started (pid {pid}); waiting until it accepts work",
        "infra.engine.healthy": "accepts work",
        "infra.engine.stopped": "stopped",
        "infra.engine.killed": "did not stop in time: killed",
    }

    def __init__(self, bar: Any, done_event: str) -> None:
        super().__init__(logging.INFO)
        self.bar, self.done_event, self.done = bar, done_event, 0

    def emit(self, record: logging.LogRecord) -> None:
        words = self.WORDS.get(record.getMessage())
        if words is None:
            return
        engine = getattr(record, "engine", "?")
        self.bar.note(f"{engine}: {words.format(pid=getattr(record, 'pid', '?'))}")
        if record.getMessage() == self.done_event:
            self.done += 1
            self.bar.update(self.done)


def _processes(engines: Any) -> int:
    """How many engine processes (a Kafka cluster counts each node)."""
    return sum(len(group.members) for group in engines.groups.values())


def _with_steps(label: str, done_event: str, total: int, coro: Coroutine[Any, Any, T]) -> T:
    """Run ``coro`` showing each engine's steps, elapsed time and how many are done."""
    from rumah.common.progress import progress

    engines_log = logging.getLogger("rumah.infra")
    with progress(label, total, unit="engines", interval_s=10.0) as bar:
        steps = _Steps(bar, done_event)
        level, propagate = engines_log.level, engines_log.propagate
        engines_log.addHandler(steps)
        engines_log.setLevel(logging.INFO)
        engines_log.propagate = False  # the steps say it; no second copy on the root handler
        try:
            return _run(coro)
        finally:
            engines_log.removeHandler(steps)
            engines_log.setLevel(level)
            engines_log.propagate = propagate


def _print_status(statuses: list[Any]) -> None:
    for s in statuses:
        mem = f"{s.rss_bytes / 2**20:.0f} MiB" if s.rss_bytes else "-"
        line = (
            f"{s.name:<9} {s.state:<12} pid={s.pid or '-':<8} addr={s.address:<16} "
            f"version={s.version or '-':<8} rss={mem}"
        )
        typer.echo(line + (f"  ({s.detail})" if s.detail else ""))


@app.command()
def up(
    replace: bool = typer.Option(
        False, "--replace", help="first stop engines an earlier setting started (other topology)"
    ),
) -> None:
    """Build (first time), start and health-check every engine; idempotent."""
    engines = _engines()
    names = ", ".join(engines.groups)
    typer.echo(f"infra: starting {names} (first run downloads and builds them)…")
    started = time.monotonic()
    statuses = _with_steps(
        "infra up", "infra.engine.healthy", _processes(engines), engines.up(replace=replace)
    )
    _print_status(statuses)
    typer.echo(f"infra: up in {time.monotonic() - started:.1f}s")
    for group in engines.groups.values():
        if len(group.members) > 1:
            typer.echo(f"infra: {group.name} clients: {group.address}")


@app.command()
def down() -> None:
    """Stop every engine (SIGTERM, then SIGKILL after the stop timeout); data is kept."""
    engines = _engines()
    _with_steps("infra down", "infra.engine.stopped", _processes(engines), engines.down())
    typer.echo("infra: stopped")


@app.command()
def status() -> None:
    """Print each engine's state, pid, address, version and memory."""
    statuses = _run(_engines().status())
    _print_status(statuses)
    if any(s.state != "running" for s in statuses):
        raise typer.Exit(3)


@app.command()
def start(engine: str = ENGINE) -> None:
    """Start an engine or one node (after `stop`/`kill`) and wait until it accepts work."""
    engines = _engines()
    _print_status(_run(engines.start(_name(engines, engine))))


@app.command()
def stop(engine: str = ENGINE) -> None:
    """Stop an engine or one node cleanly (SIGTERM), as a planned outage would."""
    engines = _engines()
    _run(engines.stop(_name(engines, engine)))
    typer.echo(f"infra: {engine} stopped")


@app.command()
def kill(engine: str = ENGINE) -> None:
    """SIGKILL an engine or one node (kafka-2, …): a crash, for fault tests."""
    engines = _engines()
    _run(engines.kill(_name(engines, engine)))
    typer.echo(f"infra: {engine} killed")


@app.command("kafka-controller")
def kafka_controller() -> None:
    """Print the node that is the active KRaft controller now (e.g. kafka-2)."""
    from infra.errors import EngineError
    from infra.kafka_cluster import KafkaCluster

    cluster = KafkaCluster(_engines())
    try:
        typer.echo(cluster.name(cluster.controller()))
    except EngineError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None


def _name(engines: Any, engine: str) -> str:
    if engine not in engines.names:
        expected = ", ".join(engines.names)
        raise typer.BadParameter(f"expected one of {expected}", param_hint="ENGINE")
    return engine


@app.command("dev-certs")
def dev_certs(
    directory: Path = typer.Argument(..., help="where to write ca.pem, server.pem and keys"),
) -> None:
    """Make a throw-away CA and a server certificate for 127.0.0.1/localhost (TLS listeners)."""
    from infra.tls import make_dev_certificates

    made = make_dev_certificates(directory.resolve())
    typer.echo(f"RUMAH_KAFKA_SSL_CAFILE={made.ca}")
    typer.echo(f"RUMAH_KAFKA_SERVER_CERTFILE={made.server_cert}")
    typer.echo(f"RUMAH_KAFKA_SERVER_KEYFILE={made.server_key}")
