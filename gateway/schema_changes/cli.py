"""``rumah schemas diff`` and the contract part of ``rumah schemas check`` (registered on the
``schemas`` command group by ``services/cli.py``)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import typer

from gateway.schema_changes.acknowledge import AcknowledgementError, Acknowledgements, template
from gateway.schema_changes.classify import SchemaChange, diff_schemas
from gateway.schema_changes.load import load_api_schema

_MARK = {"breaking": "✗ breaking ", "dangerous": "! dangerous", "safe": "  safe     "}


def print_changes(changes: list[SchemaChange]) -> None:
    if not changes:
        typer.echo("no change in the API schema")
        return
    for change in changes:
        typer.echo(f"{_MARK[change.level]}  {change.change:32s} {change.description}")
    counts = {
        level: sum(c.level == level for c in changes) for level in ("breaking", "dangerous", "safe")
    }
    typer.echo(
        f"{counts['breaking']} breaking, {counts['dangerous']} dangerous, {counts['safe']} safe"
    )


def diff(
    old: Path = typer.Argument(..., help="Old schema: a supergraph or API schema SDL file."),
    new: Path = typer.Argument(..., help="New schema: a supergraph or API schema SDL file."),
    as_json: bool = typer.Option(False, "--json", help="Print the changes as JSON."),
    fail_on: str = typer.Option(
        "", help="Exit 1 when a change of this level (breaking or dangerous) is found."
    ),
) -> None:
    """Classify every change of the API schema from OLD to NEW: breaking, dangerous, safe."""
    if fail_on not in ("", "breaking", "dangerous"):
        raise typer.BadParameter("--fail-on takes breaking or dangerous")
    try:
        changes = diff_schemas(load_api_schema(_read(old)), load_api_schema(_read(new)))
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(json.dumps([c.to_json() for c in changes], indent=2, ensure_ascii=False))
    else:
        print_changes(changes)
    levels = {"breaking"} if fail_on == "breaking" else {"breaking", "dangerous"}
    if fail_on and any(c.level in levels for c in changes):
        raise typer.Exit(1)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise typer.BadParameter(f"{path}: {exc.strerror}") from None


def baseline_from_git(repo: Path, revision: str, relative: str) -> str | None:
    """The committed text of ``relative`` at ``revision`` (None outside git / not there)."""
    try:
        out = subprocess.run(
            ["git", "show", f"{revision}:{relative}"],
            cwd=repo,
            capture_output=True,
            check=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.decode("utf-8")


def contract_problems(
    baseline_sdl: str, current_sdl: str, acknowledgements_path: Path
) -> list[str]:
    """Breaking changes of the API schema not acknowledged, as messages (empty: fine).
    Prints every change and a template entry per unacknowledged breaking change."""
    try:
        acks = Acknowledgements.read(acknowledgements_path)
        changes = diff_schemas(load_api_schema(baseline_sdl), load_api_schema(current_sdl))
    except (AcknowledgementError, ValueError) as exc:
        return [str(exc)]
    if changes:
        typer.echo("API schema changes against the contract:")
        print_changes(changes)
    for entry in acks.unused(changes):
        typer.echo(f"note: acknowledgement no longer needed: {entry['description']}")
    open_changes = acks.unacknowledged(changes)
    if open_changes:
        typer.echo(f"\nto accept on purpose, add to {acknowledgements_path.name}:", err=True)
        typer.echo(
            json.dumps(
                {"acknowledged": [template(c) for c in open_changes]}, indent=2, ensure_ascii=False
            ),
            err=True,
        )
    return [f"breaking change not acknowledged: {c.description}" for c in open_changes]
