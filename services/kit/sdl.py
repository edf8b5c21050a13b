"""The subgraph SDLs as the code exports them, and which committed files are stale."""

from __future__ import annotations

from pathlib import Path

from services.catalog import CATALOG
from services.kit.graphql.schema import build_schema, subgraph_sdl


def current_sdls() -> dict[str, str]:
    """``{service: SDL}`` for every available OPD service (those exposing ``SPEC``)."""
    out = {}
    for e in CATALOG:
        spec = getattr(e.load(), "SPEC", None)
        if spec is not None:
            out[e.name] = subgraph_sdl(build_schema(spec))
    return out


def stale_sdls(directory: Path) -> list[str]:
    """Services whose ``<directory>/<name>.graphql`` is missing or differs from the code."""
    stale = []
    for name, sdl in current_sdls().items():
        path = directory / f"{name}.graphql"
        if not path.exists() or path.read_text(encoding="utf-8") != sdl:
            stale.append(name)
    return stale
