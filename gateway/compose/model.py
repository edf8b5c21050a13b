"""Inputs and outputs of composition (``gateway.compose.compose``)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class SubgraphSource:
    """One subgraph: its name (``join__Graph``), routing URL and SDL."""

    name: str
    url: str
    sdl: str


@dataclass(frozen=True, slots=True)
class CompositionError:
    """An error with Apollo's code; ``subgraph``/``coordinate`` point at the culprit when known."""

    code: str
    message: str
    subgraph: str | None = None
    coordinate: str | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True, slots=True)
class CompositionHint:
    code: str
    message: str
    coordinate: str | None = None

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


@dataclass(frozen=True, slots=True)
class CompositionResult:
    """Either ``supergraph_sdl`` (success) or a non-empty ``errors`` tuple."""

    supergraph_sdl: str | None
    errors: tuple[CompositionError, ...] = ()
    hints: tuple[CompositionHint, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return self.supergraph_sdl is not None and not self.errors
