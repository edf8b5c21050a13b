"""Query planning over a loaded supergraph (``build_planner``)."""

from gateway.planner.planner import FederatedPlanner
from gateway.ports import QueryPlanner
from gateway.supergraph.model import Supergraph


def build_planner(supergraph: Supergraph) -> QueryPlanner:
    """A pure, deterministic planner for ``supergraph`` (``ports.QueryPlanner``)."""
    return FederatedPlanner(supergraph)


__all__ = ["FederatedPlanner", "build_planner"]
