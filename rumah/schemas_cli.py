"""``rumah schemas …``: export and check the contracts (subgraph SDLs, the supergraph)."""

from __future__ import annotations

import typer

schemas_app = typer.Typer(no_args_is_help=True, add_completion=False)


@schemas_app.command("export")
def export_schemas() -> None:
    """Write each service's subgraph SDL to schemas/subgraphs/<name>.graphql, the
    supergraph composed from them to schemas/supergraph.graphql, and the AsyncAPI document
    of the topics to schemas/asyncapi.json."""
    from rumah.schemas import SUBGRAPH_DIR, SUPERGRAPH, current_sdls, current_supergraph
    from services import asyncapi

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
    asyncapi.DOCUMENT.write_text(asyncapi.render(), encoding="utf-8")
    typer.echo(f"wrote {asyncapi.DOCUMENT}")


@schemas_app.command("check")
def check_schemas() -> None:
    """Fail when a committed subgraph SDL, the supergraph or the AsyncAPI document differs from
    what the code exports."""
    from rumah.schemas import SUBGRAPH_DIR, SUPERGRAPH, stale_sdls, supergraph_is_stale

    stale = [f"schemas/subgraphs/{name}.graphql" for name in stale_sdls(SUBGRAPH_DIR)]
    try:
        if supergraph_is_stale(SUPERGRAPH):
            stale.append("schemas/supergraph.graphql")
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(1) from None
    from services import asyncapi

    if asyncapi.is_stale():
        stale.append("schemas/asyncapi.json")
    for path in stale:
        typer.echo(f"{path} is out of date: run `rumah schemas export`", err=True)
    raise typer.Exit(1 if stale else 0)
