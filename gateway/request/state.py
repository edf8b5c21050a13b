"""Supergraph + API schema + planner + operation cache as one immutable value.

A reload builds a whole new ``GatewayState`` and swaps it in one assignment on the
``StateHolder``; requests already running keep the state they started with, and the
operation cache (plans of the old supergraph) goes away with the old state.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from gateway.auth.authorize import AuthorizationRules
from gateway.executor import SchemaIndex, TypeRelations
from gateway.executor.representations import RequiresCache
from gateway.ports import QueryPlanner, SubgraphFetcher, SubgraphInfo, SupergraphModel
from gateway.request.operation_cache import OperationCache
from gateway.request.overrides import LabelHook, LabelPolicy
from gateway.request.prepare import PreparedOperation

log = logging.getLogger("rumah.gateway")

FetcherFactory = Callable[[Mapping[str, SubgraphInfo]], SubgraphFetcher]
Loader = Callable[[str], SupergraphModel]
PlannerBuilder = Callable[[SupergraphModel], QueryPlanner]


@dataclass(frozen=True, eq=False)
class GatewayState:
    supergraph: SupergraphModel
    planner: QueryPlanner
    api_index: SchemaIndex  # shaping facts of the API schema
    relations: TypeRelations  # subtype relations of the full supergraph schema
    fetcher: SubgraphFetcher
    labels: LabelPolicy
    operations: OperationCache[PreparedOperation]
    evaluators: RequiresCache = field(default_factory=dict)  # compiled plan ``requires``
    loaded_at: float = field(default_factory=time.time)
    # @authenticated / @requiresScopes / @policy of the supergraph (gateway.auth.authorize)
    authorization: AuthorizationRules = field(default_factory=AuthorizationRules)


def _default_loader(sdl: str) -> SupergraphModel:
    from gateway.supergraph import load_supergraph

    return load_supergraph(sdl)


def _default_planner(supergraph: SupergraphModel) -> QueryPlanner:
    from gateway.planner import build_planner

    planner: QueryPlanner = build_planner(supergraph)  # type: ignore[arg-type]
    return planner


def build_state(
    sdl: str,
    fetcher_factory: FetcherFactory,
    *,
    cache_size: int = 2048,
    always_labels: frozenset[str] = frozenset(),
    label_hook: LabelHook | None = None,
    load: Loader | None = None,
    build_planner: PlannerBuilder | None = None,
    subgraph_urls: Mapping[str, str] | None = None,
) -> GatewayState:
    """Load ``sdl`` and build everything derived from it (raises ``SupergraphError``).

    ``subgraph_urls`` (subgraph name → URL) replaces the routing URLs the supergraph
    carries, as Apollo Router's ``override_subgraph_url`` does: the same composed file then
    serves on a laptop, in docker-compose and in Kubernetes.
    """
    supergraph = (load or _default_loader)(sdl)
    if subgraph_urls:
        supergraph = override_subgraph_urls(supergraph, subgraph_urls)
    planner = (build_planner or _default_planner)(supergraph)
    known = frozenset(getattr(supergraph, "all_labels", frozenset()))
    return GatewayState(
        supergraph=supergraph,
        planner=planner,
        api_index=SchemaIndex(supergraph.api_schema),
        relations=TypeRelations.from_schema(supergraph.supergraph_schema),
        fetcher=fetcher_factory(supergraph.subgraphs),
        labels=LabelPolicy(known, always_labels, label_hook),
        operations=OperationCache(cache_size),
        authorization=AuthorizationRules.from_schema(supergraph.supergraph_schema),
    )


def override_subgraph_urls(supergraph: SupergraphModel, urls: Mapping[str, str]) -> SupergraphModel:
    """``supergraph`` with the URLs of the subgraphs named in ``urls`` replaced.

    A key matches a subgraph's name (``@join__graph(name:)``) or its ``join__Graph`` value.
    """
    if not dataclasses.is_dataclass(supergraph):
        raise TypeError("subgraph URL overrides need a dataclass supergraph model")
    replaced: dict[str, SubgraphInfo] = {}
    used: set[str] = set()
    for graph, info in supergraph.subgraphs.items():
        for key in (info.name, graph):
            if key in urls:
                replaced[graph] = SubgraphInfo(info.name, urls[key])
                used.add(key)
                break
        else:
            replaced[graph] = info
    unknown = sorted(set(urls) - used)
    if unknown:
        log.warning("subgraph URL override for unknown subgraph(s): %s", ", ".join(unknown))
    return dataclasses.replace(supergraph, subgraphs=replaced)  # type: ignore[type-var]


class StateHolder:
    """The one mutable reference: ``current`` is None until a supergraph has loaded."""

    def __init__(self, state: GatewayState | None = None) -> None:
        self.current = state
        self.last_error: str | None = None

    def swap(self, state: GatewayState) -> None:
        self.current = state
        self.last_error = None
