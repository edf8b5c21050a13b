"""``rumah infra up|down|status``: the real engines for run and test."""

from __future__ import annotations

import typer

app = typer.Typer(no_args_is_help=True, add_completion=False)
