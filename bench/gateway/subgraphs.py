"""Fast benchmark subgraphs: four federation subgraphs in one uvicorn process.

Each request body is executed once with graphql-core (a tiny executable schema per
subgraph, ``_entities`` included) and the encoded answer is cached by the exact body bytes,
so under load a subgraph does a dict lookup and a raw ASGI send — it is never the bottleneck.

    .venv/bin/python -m bench.gateway.subgraphs          # ports 4101-4104

``BENCH_SUBGRAPH_DELAY_MS`` makes every answer wait that long first (slow subgraphs: the
gateway's executions then wait on I/O, not on its CPU).
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from typing import Any

import orjson
from graphql import (
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    build_schema,
    execute_sync,
    parse,
)

PORTS = {"products": 4101, "inventory": 4102, "reviews": 4103, "accounts": 4104}
HOST = "127.0.0.1"
DELAY_S = float(os.environ.get("BENCH_SUBGRAPH_DELAY_MS") or 0) / 1000

PRODUCTS = {
    str(i): {
        "__typename": "Product",
        "upc": str(i),
        "name": f"Product {i}",
        "price": i * 100,
        "weight": i * 10,
    }
    for i in range(1, 1001)  # ``topProducts(first: N)``: 5 by default, up to 1,000 (``large``)
}
USERS = {
    str(i): {"__typename": "User", "id": str(i), "name": f"User {i}", "username": f"user{i}"}
    for i in range(1, 4)
}

_FEDERATION = """
scalar _Any
type _Service { sdl: String }
"""
_ENTITIES = "_entities(representations: [_Any!]!): [_Entity]! _service: _Service!"

SDL = {
    "products": """
        type Query { topProducts(first: Int = 5): [Product!]! ENTITIES }
        type Product { upc: String! name: String! price: Int! weight: Int! }
        union _Entity = Product
    """,
    "inventory": """
        type Query { ENTITIES }
        type Product {
          upc: String! weight: Int! price: Int! inStock: Boolean! shippingEstimate: Int!
        }
        union _Entity = Product
    """,
    "reviews": """
        type Query { ENTITIES }
        type Product { upc: String! reviews: [Review!]! }
        type Review { id: ID! body: String! author: User! }
        type User { id: ID! }
        union _Entity = Product | Review | User
    """,
    "accounts": """
        type Query { me: User ENTITIES }
        type User { id: ID! name: String! username: String! }
        union _Entity = User
    """,
}


def _entity(service: str, rep: dict[str, Any]) -> dict[str, Any] | None:
    typename = rep.get("__typename")
    if typename == "Product":
        product = PRODUCTS.get(rep.get("upc", ""))
        if product is None:
            return None
        if service == "inventory":
            estimate = rep.get("price", 0) * rep.get("weight", 0) // 1000
            return {**rep, "inStock": int(rep["upc"]) % 2 == 0, "shippingEstimate": estimate}
        if service == "reviews":
            reviews = [
                {
                    "__typename": "Review",
                    "id": f"{rep['upc']}-{k}",
                    "body": f"Review {k} of product {rep['upc']}",
                    "author": {"__typename": "User", "id": str(k)},
                }
                for k in range(1, 4)
            ]
            return {**rep, "reviews": reviews}
        return product
    if typename == "User":
        return USERS.get(rep.get("id", "")) if service == "accounts" else dict(rep)
    return None


def executable_subgraph(
    sdl: str, entity: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> GraphQLSchema:
    """A subgraph schema from ``sdl`` (``ENTITIES`` marks where ``_entities`` goes) whose
    ``_entities`` resolves each representation with ``entity``."""
    schema = build_schema(_FEDERATION + sdl.replace("ENTITIES", _ENTITIES))
    query = schema.query_type
    assert isinstance(query, GraphQLObjectType)
    query.fields["_entities"].resolve = lambda _root, _info, representations: [
        entity(rep) for rep in representations
    ]
    union = schema.type_map["_Entity"]
    assert isinstance(union, GraphQLUnionType)
    union.resolve_type = lambda obj, *_: obj["__typename"]
    return schema


def _schema(service: str) -> GraphQLSchema:
    return executable_subgraph(SDL[service], lambda rep: _entity(service, rep))


def _root(service: str) -> dict[str, Any]:
    if service == "products":
        return {"topProducts": lambda _info, first=5: list(PRODUCTS.values())[:first]}
    if service == "accounts":
        return {"me": USERS["1"]}
    return {}


def _resolve(source: Any, info: Any, **args: Any) -> Any:
    value = source.get(info.field_name) if isinstance(source, dict) else None
    return value(info, **args) if callable(value) else value


class Subgraph:
    """A raw ASGI subgraph answering from a cache keyed by the request body bytes."""

    def __init__(
        self,
        service: str,
        schema: GraphQLSchema | None = None,
        root: dict[str, Any] | None = None,
    ) -> None:
        self.service = service
        self.schema = schema if schema is not None else _schema(service)
        self.root = root if root is not None else _root(service)
        self.cache: dict[bytes, bytes] = {}

    def answer(self, body: bytes) -> bytes:
        cached = self.cache.get(body)
        if cached is not None:
            return cached
        try:
            request = orjson.loads(body)
            result = execute_sync(
                self.schema,
                parse(request["query"]),
                root_value=self.root,
                variable_values=request.get("variables"),
                operation_name=request.get("operationName"),
                field_resolver=_resolve,
            )
            payload: dict[str, Any] = {"data": result.data}
            if result.errors:
                payload["errors"] = [e.formatted for e in result.errors]
        except Exception as exc:  # noqa: BLE001 - a bench subgraph answers every request
            payload = {"data": None, "errors": [{"message": str(exc)}]}
        encoded = orjson.dumps(payload)
        if len(self.cache) < 10_000:
            self.cache[body] = encoded
        return encoded

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]
    ) -> None:
        if scope["type"] != "http":
            return
        chunks = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        body = self.answer(b"".join(chunks))
        if DELAY_S:
            await asyncio.sleep(DELAY_S)
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def serve(apps: dict[int, Subgraph]) -> None:
    """Serve each subgraph on its port (one uvicorn server each, one event loop)."""
    import uvicorn

    servers = [
        uvicorn.Server(
            uvicorn.Config(
                app,
                host=HOST,
                port=port,
                loop="none",
                http="httptools",
                lifespan="off",
                access_log=False,
                log_level="warning",
            )
        )
        for port, app in apps.items()
    ]
    await asyncio.gather(*(server.serve() for server in servers))


async def main() -> None:
    await serve({port: Subgraph(name) for name, port in PORTS.items()})


if __name__ == "__main__":
    import uvloop

    uvloop.run(main())
