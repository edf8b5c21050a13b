"""``rumah run``: start every process of the hub and stop them together."""

from __future__ import annotations

import typer


def run_command(
    backend: str = typer.Option("embedded", help="embedded (SQLite) or kafka (Kafka + FerretDB)"),
) -> None:
    raise typer.Exit(1)
