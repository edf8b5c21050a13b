"""Apollo-style wording for elements that differ between subgraphs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from gateway.compose.diagnostics import subgraph_list


def describe(
    names: list[str],
    sources: dict[int, Any],
    render: Callable[[Any], str | None],
    first: str | None = None,
) -> str:
    """``"A" in subgraph "x" but "B" in subgraphs "y" and "z"`` (the supergraph's choice first)."""
    groups: dict[str, list[str]] = {}
    for idx, element in sources.items():
        if element is None:
            continue
        text = render(element)
        if text is not None:
            groups.setdefault(text, []).append(names[idx])
    ordered = (
        sorted(groups.items(), key=lambda kv: kv[0] != first) if first else list(groups.items())
    )
    parts = [f"{text} in {subgraph_list(subs)}" for text, subs in ordered]
    if len(parts) <= 1:
        return "".join(parts)
    return parts[0] + " but " + " and ".join(parts[1:])
