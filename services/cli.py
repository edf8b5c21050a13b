"""``rumah service …``."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command("list")
def list_services() -> None:
    """The services of the hub, their ports, and whether they are installed."""
    from services.catalog import ALL_ENTRIES

    for e in ALL_ENTRIES:
        sim = e.simulator_port or "-"
        typer.echo(
            f"{e.name:<12} port {e.port}  simulator {sim}  "
            + ("available" if e.available else "not built yet")
        )


@app.command()
def serve(name: str = typer.Argument(..., help="Service name, e.g. licensing.")) -> None:
    """Serve a service (its subgraph at http://127.0.0.1:<port>/graphql)."""
    module = _load(name)
    if hasattr(module, "serve"):
        module.serve()
        return
    from services.kit.serve import serve_service

    serve_service(module.SPEC)


@app.command()
def simulate(name: str = typer.Argument(..., help="Service name, e.g. licensing.")) -> None:
    """Run the upstream simulator of a service's OPD application."""
    from services.kit.serve import serve_simulator

    serve_simulator(_load(name).SPEC)


def _load(name: str):  # type: ignore[no-untyped-def]
    from services.catalog import entry

    try:
        e = entry(name)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    if not e.available:
        raise typer.BadParameter(f"service {name!r} is not built yet")
    return e.load()
