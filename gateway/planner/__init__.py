"""Query planning over a loaded supergraph (``build_planner``)."""

from gateway.contracts import QueryPlanner
from gateway.planner.planner import FederatedPlanner
from gateway.supergraph.model import Supergraph


def build_planner(supergraph: Supergraph) -> QueryPlanner:
    """A pure, deterministic planner for ``supergraph`` (``contracts.QueryPlanner``)."""
    return FederatedPlanner(supergraph)


__all__ = ["FederatedPlanner", "build_planner"]
