"""``@inaccessible`` rules checked on the merged supergraph (Apollo's API-schema checks)."""

from __future__ import annotations

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.supermodel import Supergraph


def check_inaccessible(sg: Supergraph, diag: Diagnostics) -> None:
    """Placeholder until implemented: no checks."""
