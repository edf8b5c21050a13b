"""Composition: Federation v2 subgraph SDLs in, an Apollo-compatible supergraph SDL out.

``compose(subgraphs)`` is the library entry point; ``gateway.compose.cli.run`` backs
``rumah gateway compose``.
"""

from gateway.compose.compose import compose
from gateway.compose.model import (
    CompositionError,
    CompositionHint,
    CompositionResult,
    SubgraphSource,
)

__all__ = ["CompositionError", "CompositionHint", "CompositionResult", "SubgraphSource", "compose"]
