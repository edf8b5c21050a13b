"""Satisfiability (placeholder)."""

from __future__ import annotations

from gateway.compose.diagnostics import Diagnostics
from gateway.compose.federation import FedInfo
from gateway.compose.subgraph import Subgraph
from gateway.compose.supermodel import Supergraph


def check_satisfiability(sg: Supergraph, subgraphs: list[Subgraph], infos: list[FedInfo], diag: Diagnostics) -> None:
    return None
