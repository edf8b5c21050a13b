"""``rumah gateway …`` (also ``python -m gateway …``). A stable interface: other tools drive it.

Commands import their implementation lazily so start-up stays fast.
"""

from __future__ import annotations

from pathlib import Path

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command()
def serve(
    supergraph: Path = typer.Option(
        ..., "--supergraph", help="Supergraph SDL file (hot-reloaded)."
    ),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(4000, "--port"),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=0,
        help="Worker processes behind the port (SO_REUSEPORT); 0 = one per CPU core. "
        "Default: RUMAH_GATEWAY_WORKERS (1).",
    ),
) -> None:
    """Serve the federated API on http://HOST:PORT/graphql."""
    from gateway.serve import serve as run_server

    run_server(supergraph_path=supergraph, host=host, port=port, workers=workers)


@app.command()
def compose(
    subgraph: list[str] = typer.Option(
        ..., "--subgraph", help="NAME=URL_OR_SDL_FILE; repeat per subgraph."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Write the supergraph here (default stdout)."
    ),
) -> None:
    """Compose a supergraph from subgraph SDL files or live subgraphs' ``_service``."""
    from gateway.compose.cli import run as run_compose

    raise typer.Exit(run_compose(subgraph, out))


@app.command()
def explain(
    supergraph: Path = typer.Option(..., "--supergraph"),
    query: Path = typer.Option(..., "--query", help="File holding the GraphQL operation."),
    operation_name: str | None = typer.Option(None, "--operation-name"),
    format: str = typer.Option("text", "--format", help="text or json"),
) -> None:
    """Print the query plan of an operation without running it."""
    from gateway.explain import run as run_explain

    raise typer.Exit(run_explain(supergraph, query, operation_name, format))
