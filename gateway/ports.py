"""The ports between the gateway's packages (small Protocols, as the kit's ports are).

``gateway/supergraph`` builds a ``SupergraphModel`` from supergraph SDL (``load_supergraph``).
``gateway/planner`` turns a validated client operation into a ``QueryPlan`` (``QueryPlanner``).
``gateway/executor`` runs a plan through a ``SubgraphFetcher`` and shapes the response.
``gateway/request`` owns the request pipeline (parse → validate → plan cache → execute) and
keeps supergraph + API schema + planner + cache in one immutable state swapped on reload.

Division of work between planner and executor
---------------------------------------------
* The planner receives an operation already validated against ``api_schema``. It ignores
  introspection (``__schema``, ``__type``) and root-level ``__typename``; the executor answers
  those locally. Constant ``@skip/@include`` are resolved by the planner; variable ones are
  kept in subgraph operations (with the variable forwarded) or become ``ConditionNode``s.
* Subgraph operations use the client's response keys (aliases) wherever possible, so
  results merge straight into one result tree; the executor then *shapes* that tree against
  the client operation (field order, ``@skip/@include``, ``__typename``, null propagation,
  values unknown to the API schema → null + error).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import DocumentNode, GraphQLSchema

from gateway.plan import QueryPlan


class SupergraphError(Exception):
    """The supergraph SDL cannot be loaded (syntax, unsupported feature, bad join data)."""


class PlanningError(Exception):
    """The operation is valid against the API schema but cannot be planned."""


@dataclass(frozen=True, slots=True)
class SubgraphInfo:
    name: str  # the subgraph name (``@join__graph(name:)``)
    url: str


class SupergraphModel(Protocol):
    """What the rest of the gateway needs from a loaded supergraph."""

    @property
    def api_schema(self) -> GraphQLSchema:
        """Client-facing schema: no join/link machinery, nothing ``@inaccessible``."""
        ...

    @property
    def supergraph_schema(self) -> GraphQLSchema:
        """The full schema (incl. inaccessible elements), for keys/requires and typenames."""
        ...

    @property
    def subgraphs(self) -> Mapping[str, SubgraphInfo]:
        """By subgraph name; plan ``FetchNode.service`` values are these names."""
        ...

    @property
    def sdl_hash(self) -> str: ...


class QueryPlanner(Protocol):
    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        """Plan the selected operation of ``document``; raise ``PlanningError`` if impossible."""
        ...


# made per request, so not frozen (a frozen __init__ costs ≈ 0.2 µs a field); never changed
@dataclass(slots=True)
class SubgraphRequest:
    service: str
    query: str
    operation_name: str | None
    variables: Mapping[str, Any] | None
    headers: Mapping[str, str] | None = None
    principal: Any = None  # who the request runs as (the access layer signs a credential)
    # may share an identical in-flight request (part of a client query: never a mutation's)
    shareable: bool = False


class SubgraphFetcher(Protocol):
    """One method, so remote (HTTP) and in-process subgraphs are interchangeable."""

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        """Return the decoded GraphQL response body (``data``/``errors``/``extensions``).

        Raises ``SubgraphFetchError`` for transport failures, non-2xx without a GraphQL body,
        timeouts and undecodable bodies.
        """
        ...


class SubgraphFetchError(Exception):
    def __init__(self, service: str, message: str, code: str = "SUBGRAPH_FETCH_FAILED") -> None:
        super().__init__(message)
        self.service, self.code = service, code
