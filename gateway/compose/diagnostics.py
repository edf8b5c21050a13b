"""Collects every error and hint of one composition run (reported all at once)."""

from __future__ import annotations

from gateway.compose.model import CompositionError, CompositionHint


class Diagnostics:
    def __init__(self) -> None:
        self.errors: list[CompositionError] = []
        self.hints: list[CompositionHint] = []

    def error(
        self, code: str, message: str, *, subgraph: str | None = None, coordinate: str | None = None
    ) -> None:
        text = f"[{subgraph}] {message}" if subgraph and not message.startswith("[") else message
        self.errors.append(CompositionError(code, text, subgraph, coordinate))

    def hint(self, code: str, message: str, coordinate: str | None = None) -> None:
        self.hints.append(CompositionHint(code, message, coordinate))

    def __bool__(self) -> bool:
        return bool(self.errors)


def subgraph_list(names: list[str]) -> str:
    """Apollo's wording: ``subgraph "a"``, ``subgraphs "a" and "b"``, ``… "a", "b" and "c"``."""
    quoted = [f'"{n}"' for n in names]
    if len(quoted) == 1:
        return f"subgraph {quoted[0]}"
    return "subgraphs " + ", ".join(quoted[:-1]) + " and " + quoted[-1]
