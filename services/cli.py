"""``rumah service …`` and ``rumah schemas …``."""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)
schemas_app = typer.Typer(no_args_is_help=True, add_completion=False)

SUBGRAPH_DIR = Path(__file__).resolve().parent.parent / "schemas" / "subgraphs"
SUPERGRAPH = SUBGRAPH_DIR.parent / "supergraph.graphql"
ACKNOWLEDGED = SUBGRAPH_DIR.parent / "acknowledged-changes.json"


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


@schemas_app.command("export")
def export_schemas() -> None:
    """Write each service's subgraph SDL to schemas/subgraphs/<name>.graphql and the
    supergraph composed from them to schemas/supergraph.graphql."""
    from services.kit.sdl import current_sdls, current_supergraph

    sdls = current_sdls()
    for name, sdl in sdls.items():
        path = SUBGRAPH_DIR / f"{name}.graphql"
        path.write_text(sdl, encoding="utf-8")
        typer.echo(f"wrote {path}")
    try:
        supergraph = current_supergraph(sdls)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    SUPERGRAPH.write_text(supergraph, encoding="utf-8")
    typer.echo(f"wrote {SUPERGRAPH}")


def _register_diff() -> None:
    from gateway.schema_changes.cli import diff

    schemas_app.command("diff")(diff)


_register_diff()


@schemas_app.command("check")
def check_schemas(
    against: str = typer.Option(
        "HEAD", help="Git revision whose schemas/supergraph.graphql is the contract."
    ),
) -> None:
    """Fail when a committed subgraph SDL or the supergraph differs from what the code exports,
    or when the code's API schema breaks the contract (the committed supergraph at AGAINST)
    without an entry in schemas/acknowledged-changes.json."""
    from gateway.schema_changes.cli import baseline_from_git, contract_problems
    from services.kit.sdl import current_supergraph, stale_sdls, supergraph_is_stale

    stale = [f"schemas/subgraphs/{name}.graphql" for name in stale_sdls(SUBGRAPH_DIR)]
    try:
        if supergraph_is_stale(SUPERGRAPH):
            stale.append("schemas/supergraph.graphql")
        current = current_supergraph()
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    for path in stale:
        typer.echo(f"{path} is out of date: run `rumah schemas export`", err=True)
    baseline = baseline_from_git(SUPERGRAPH.parent.parent, against, "schemas/supergraph.graphql")
    if baseline is None:
        baseline = SUPERGRAPH.read_text(encoding="utf-8")
    problems = contract_problems(baseline, current, ACKNOWLEDGED)
    for problem in problems:
        typer.echo(problem, err=True)
    raise typer.Exit(1 if stale or problems else 0)


def _load(name: str):  # type: ignore[no-untyped-def]
    from services.catalog import entry

    try:
        e = entry(name)
    except KeyError as exc:
        raise typer.BadParameter(str(exc.args[0])) from None
    if not e.available:
        raise typer.BadParameter(f"service {name!r} is not built yet")
    return e.load()
