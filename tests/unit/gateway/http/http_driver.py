"""Drive an ASGI app in-process (no server) and stub the gateway's supergraph and planner."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLSchema, build_schema, print_ast

from gateway.app import GatewayApp
from gateway.executor.native import kernel_from_environment
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.health import HealthEndpoint, Prober
from gateway.plan import FetchNode, QueryPlan
from gateway.ports import SubgraphInfo
from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import GatewayState, StateHolder, build_state
from gateway.web.asgi import ASGIApp

SDL = """
type Query { hello: String me: User users: [User!]! user(id: ID!): User }
type Mutation { rename(name: String!): User }
type User { id: ID! name: String friends: [User!] }
"""


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


async def call(
    app: ASGIApp,
    method: str = "POST",
    path: str = "/graphql",
    *,
    json: Any = None,
    body: bytes | None = None,
    headers: Mapping[str, str] | None = None,
    query_string: bytes = b"",
) -> Response:
    raw_headers = {k.lower(): v for k, v in (headers or {}).items()}
    if json is not None:
        body = orjson.dumps(json)
        raw_headers.setdefault("content-type", "application/json")
    scope = {
        "type": "http",
        "method": method,
        "path": path,
        "query_string": query_string,
        "headers": [(k.encode(), v.encode()) for k, v in raw_headers.items()],
    }
    chunks = [body or b""]

    async def receive() -> dict[str, Any]:
        return {
            "type": "http.request",
            "body": chunks.pop(0) if chunks else b"",
            "more_body": False,
        }

    sent: list[MutableMapping[str, Any]] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    out = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    hdrs = {k.decode(): v.decode() for k, v in start["headers"]}
    return Response(start["status"], hdrs, out)


@dataclass
class StubSupergraph:
    api_schema: GraphQLSchema
    supergraph_schema: GraphQLSchema
    subgraphs: Mapping[str, SubgraphInfo]
    sdl_hash: str
    all_labels: frozenset[str] = frozenset()


class StubPlanner:
    """Sends the whole client operation to one subgraph (enough for HTTP-level tests)."""

    def __init__(self, service: str = "accounts") -> None:
        self.service = service
        self.calls: list[tuple[str | None, frozenset[str]]] = []

    def plan(
        self,
        document: DocumentNode,
        operation_name: str | None = None,
        *,
        override_labels: frozenset[str] = frozenset(),
    ) -> QueryPlan:
        self.calls.append((operation_name, override_labels))
        return QueryPlan(
            FetchNode(
                service=self.service,
                operation=print_ast(document),
                operation_name=operation_name,
                variable_usages=tuple(
                    d.variable.name.value
                    for op in document.definitions
                    for d in getattr(op, "variable_definitions", None) or ()
                ),
            )
        )


@dataclass
class Harness:
    app: GatewayApp
    holder: StateHolder
    planner: StubPlanner
    fetcher: Any
    pipeline: Pipeline
    options: EndpointOptions = field(default_factory=EndpointOptions)


def stub_state(
    fetcher: Any,
    planner: StubPlanner,
    sdl: str = SDL,
    labels: frozenset[str] = frozenset(),
    **kw: Any,
) -> GatewayState:
    schema = build_schema(sdl)
    model = StubSupergraph(
        schema,
        schema,
        {"accounts": SubgraphInfo("accounts", "http://accounts.invalid")},
        "h1",
        labels,
    )
    return build_state(
        sdl,
        lambda _subgraphs: fetcher,
        load=lambda _sdl: model,
        build_planner=lambda _m: planner,
        **kw,
    )


def harness(
    fetcher: Any,
    *,
    config: PrepareConfig | None = None,
    options: EndpointOptions | None = None,
    prober: Prober | None = None,
    loaded: bool = True,
    **state_kw: Any,
) -> Harness:
    planner = StubPlanner()
    holder = StateHolder(stub_state(fetcher, planner, **state_kw) if loaded else None)
    pipeline = Pipeline(config or PrepareConfig(), kernel=kernel_from_environment())
    options = options or EndpointOptions()
    app = GatewayApp(
        graphql=GraphQLEndpoint(holder, pipeline, options),
        health=HealthEndpoint(holder, prober),
    )
    return Harness(app, holder, planner, fetcher, pipeline, options)
