"""Reading supergraph SDL into an immutable model (``load_supergraph``)."""

from gateway.supergraph.model import (
    FieldDef,
    FieldInGraph,
    Key,
    Supergraph,
    TypeDef,
    TypeInGraph,
)
from gateway.supergraph.reader import load_supergraph

__all__ = [
    "FieldDef",
    "FieldInGraph",
    "Key",
    "Supergraph",
    "TypeDef",
    "TypeInGraph",
    "load_supergraph",
]
