"""``rumah run``: start every process of the hub and stop them together.

Order: upstream simulators → OPD services → ledger → gateway; each must answer its health
URL before the next starts, so the printed URLs work the moment they appear.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

if TYPE_CHECKING:
    from rumah.dev_credentials import DevCredentials
    from rumah.supervisor import ProcessSpec


ROOT = Path(__file__).resolve().parent.parent


def child_log_format() -> str:
    """The children's ``RUMAH_LOG_FORMAT``: as set, else decided by ``rumah run``'s own stderr
    (their stderr is a file under var/log): text for a person at a terminal, JSON otherwise."""
    from rumah.common.logs import LogSettings, resolve_format
    from rumah.common.settings import load_settings

    return resolve_format(load_settings(LogSettings).log_format)


def credential_env(creds: DevCredentials) -> dict[str, dict[str, str]]:
    """The variables each kind of process gets from the dev credentials (``gateway``,
    ``subgraph``, ``<service>``, ``<service>-upstream``). A variable already set in the
    environment wins: ``rumah run`` then uses the operator's own secret."""
    from services.catalog import CATALOG

    wanted: dict[str, dict[str, str]] = {
        "gateway": {
            "RUMAH_GATEWAY_TOKENS": creds.gateway_token_map(),
            "RUMAH_GATEWAY_SUBGRAPH_SIGNING_KEY": creds.signing_key,
        },
        "subgraph": {"RUMAH_SUBGRAPH_GATEWAY_KEYS": creds.public_key},
    }
    if creds.cursor_key:
        wanted["subgraph"]["RUMAH_SUBGRAPH_CURSOR_KEY"] = creds.cursor_key
    for entry in CATALOG:
        if entry.simulator_port:
            upper = entry.name.upper()
            secret = creds.webhook_secret(entry.name)
            wanted[entry.name] = {f"RUMAH_{upper}_WEBHOOK_SECRET": secret}
            wanted[f"{entry.name}-upstream"] = {f"RUMAH_{upper}_SIM_WEBHOOK_SECRET": secret}
    return {
        kind: {k: v for k, v in values.items() if k not in os.environ}
        for kind, values in wanted.items()
    }


def hub_specs(
    backend: str,
    gateway_port: int = 4000,
    log_format: str = "json",
    creds: DevCredentials | None = None,
) -> list[ProcessSpec]:
    """Every process ``rumah run`` starts, in start order."""
    from rumah.supervisor import ProcessSpec
    from services.catalog import CATALOG

    rumah = [sys.executable, "-m", "rumah.cli"]
    env = {"RUMAH_BACKEND": backend, "RUMAH_LOG_FORMAT": log_format}
    secrets = credential_env(creds) if creds is not None else {}
    subgraph = secrets.get("subgraph", {})
    specs: list[ProcessSpec] = []
    for entry in CATALOG:
        if entry.simulator_port:
            specs.append(
                ProcessSpec(
                    name=f"{entry.name}-upstream",
                    argv=[*rumah, "service", "simulate", entry.name],
                    health_url=f"http://127.0.0.1:{entry.simulator_port}/health",
                    show_url=f"http://127.0.0.1:{entry.simulator_port}/",
                    env={**env, **secrets.get(f"{entry.name}-upstream", {})},
                )
            )
    for entry in CATALOG:
        specs.append(
            ProcessSpec(
                name=entry.name,
                argv=[*rumah, "service", "serve", entry.name],
                health_url=f"http://127.0.0.1:{entry.port}/health/live",
                show_url=f"http://127.0.0.1:{entry.port}/graphql",
                env={**env, **subgraph, **secrets.get(entry.name, {})},
            )
        )
    specs.append(
        ProcessSpec(
            name="gateway",
            argv=[
                *rumah,
                "gateway",
                "serve",
                "--supergraph",
                str(ROOT / "schemas" / "supergraph.graphql"),
                "--port",
                str(gateway_port),
            ],
            health_url=f"http://127.0.0.1:{gateway_port}/health",
            show_url=f"http://127.0.0.1:{gateway_port}/graphql",
            env={**env, **secrets.get("gateway", {})},
        )
    )
    specs.append(monev_spec(rumah, env, gateway_port))
    return specs


def monev_spec(rumah: list[str], env: dict[str, str], gateway_port: int) -> ProcessSpec:
    """Monev, a client of the gateway (``RUMAH_MONEV_*`` from the environment win)."""
    from monev.settings import MONEV_PORT
    from rumah.supervisor import ProcessSpec

    port = int(os.environ.get("RUMAH_MONEV_PORT", MONEV_PORT))
    monev_env = {
        "RUMAH_MONEV_GATEWAY_URL": os.environ.get(
            "RUMAH_MONEV_GATEWAY_URL", f"http://127.0.0.1:{gateway_port}/graphql"
        ),
        **env,
    }
    return ProcessSpec(
        name="monev",
        argv=[*rumah, "monev", "serve"],
        health_url=f"http://127.0.0.1:{port}/health/live",
        show_url=f"http://127.0.0.1:{port}/",
        env=monev_env,
    )


def _record_hub(backend: str) -> Path | None:
    """``var/run/hub.json``: CLI commands (``rumah ledger verify`` …) read this hub's stores.
    Another live hub's record is left alone (this one will fail on its ports anyway)."""
    from datetime import UTC, datetime

    from rumah.common.hub import read_hub, write_hub
    from rumah.common.settings import load_settings
    from services.kit.backends import BackendSettings
    from services.kit.cli_backends import hub_variables

    other = read_hub()
    if other is not None and other.pid != os.getpid():
        print(f"[rumah] another hub is recorded as running: {other.describe()}", file=sys.stderr)
        return None
    variables, shown = hub_variables(load_settings(BackendSettings, backend=backend))
    return write_hub(variables, shown, datetime.now(UTC).isoformat(timespec="seconds"))


def _engines_down(backend: str) -> list[Any]:
    from rumah.common.settings import load_settings
    from rumah.preflight import unreachable
    from services.kit.backends import BackendSettings

    return unreachable(load_settings(BackendSettings, backend=backend))


async def _readiness(url: str) -> tuple[int, dict[str, Any]] | None:
    """The gateway's ``/health/ready`` (status, body), or None if it does not answer."""
    import aiohttp

    try:
        async with (
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=10)) as http,
            http.get(url) as response,
        ):
            return response.status, await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


def _not_ready_lines(body: dict[str, Any]) -> list[str]:
    lines = []
    for name, entry in sorted((body.get("subgraphs") or {}).items()):
        if entry.get("ready", entry.get("reachable")):
            continue
        reasons = entry.get("failing") or {"graphql": entry.get("error", "not ready")}
        lines.append(f"  ✗ {name:<12} not ready: {', '.join(reasons)}")
    return lines


async def _run(
    specs: list[ProcessSpec],
    log_dir: Path,
    creds: DevCredentials | None = None,
    backend: str = "embedded",
    gateway_port: int = 4000,
) -> int:
    from rumah.preflight import report
    from rumah.supervisor import Supervisor

    hub_path = _record_hub(backend)
    down = _engines_down(backend)
    if down:
        print(f"[rumah] backend {backend}: not every engine can be reached —", file=sys.stderr)
        print(report(down), file=sys.stderr)
        print(
            "[rumah] starting anyway: the services report not-ready and recover when the "
            "engines are back.",
            file=sys.stderr,
            flush=True,
        )
    sup = Supervisor(specs, log_dir)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    status = 0
    try:
        start = asyncio.create_task(sup.start())
        stopper = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({start, stopper}, return_when=asyncio.FIRST_COMPLETED)
        if start in done:
            start.result()  # raises if a process never became healthy
            ready_url = f"http://127.0.0.1:{gateway_port}/health/ready"
            ready = await _readiness(ready_url) if down else None
            if down:
                print("\nRumah is running, but NOT READY (belum siap):")
                print(report(_engines_down(backend) or down))
                lines = _not_ready_lines(ready[1]) if ready else []
                if lines:
                    print(f"  subgraphs not ready ({ready_url}):")
                    print("\n".join("  " + line for line in lines[:8]))
                print()
            print("\nRumah is running:" if not down else "Where everything listens:")
            for spec in specs:
                if spec.show_url:
                    print(f"  {spec.name:<22} {spec.show_url}")
            print(f"  logs                   {log_dir}/")
            if creds is not None:
                _print_credentials(creds)
            print("Press Ctrl-C to stop.\n", flush=True)
            watcher = asyncio.create_task(sup.watch())
            await stopper
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
        else:
            start.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await start
    except RuntimeError as exc:
        print(f"[rumah] start-up failed: {exc}", file=sys.stderr)
        status = 1
    finally:
        print("[rumah] stopping…", file=sys.stderr)
        await sup.stop()
        from rumah.common.hub import remove_hub

        remove_hub(hub_path)
        print("[rumah] stopped.", file=sys.stderr)
    return status


def run_command(
    backend: str = typer.Option(
        os.environ.get("RUMAH_BACKEND", "embedded"),
        "--backend",
        help="embedded (SQLite store + local log, no servers) or kafka (Kafka + FerretDB/MongoDB).",
    ),
    gateway_port: int = typer.Option(4000, "--gateway-port"),
) -> None:
    """Start the whole hub (simulators, services, ledger, gateway)."""
    if backend not in ("embedded", "kafka"):
        print("invalid setting: RUMAH_BACKEND must be 'embedded' or 'kafka'", file=sys.stderr)
        raise typer.Exit(2)
    from rumah.dev_credentials import ensure_dev_credentials

    logging.basicConfig(level=logging.WARNING)
    log_dir = ROOT / "var" / "log"
    creds, created = ensure_dev_credentials(ROOT / "var" / "dev-credentials.json")
    if created:
        print(f"[rumah] wrote local credentials to {creds.path} (mode 0600)", file=sys.stderr)
    specs = hub_specs(backend, gateway_port, child_log_format(), creds)
    raise typer.Exit(asyncio.run(_run(specs, log_dir, creds, backend, gateway_port)))


def _print_credentials(creds: DevCredentials) -> None:
    tokens = creds.tokens
    print(f"\nLocal credentials ({creds.path}, for this machine only):")
    print("  roles: " + ", ".join(f"{role}" for role in tokens))
    print("  paste into GraphiQL's headers or curl -H:")
    print(f"  Authorization: Bearer {tokens['auditor']}")
