"""Two strawberry subgraphs served in the test process: ``reviews`` owns a subscription
(graphql-transport-ws, strawberry's own implementation) and ``products`` resolves the
``Product`` entity over HTTP. ``World`` lets a test publish events and see what each
subgraph was told about the caller."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator
from dataclasses import dataclass, field
from typing import Any

import strawberry
from strawberry.asgi import GraphQL
from strawberry.federation import Schema
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL

from gateway.web.asgi import Receive, Scope, Send


@dataclass
class World:
    subscribers: list[asyncio.Queue[Any]] = field(default_factory=list)
    init_payloads: list[dict[str, Any]] = field(default_factory=list)
    upgrade_auth: list[str | None] = field(default_factory=list)  # handshake Authorization
    # what products was told about the caller: Authorization and any principal headers
    products_headers: list[dict[str, str]] = field(default_factory=list)
    started: int = 0
    stopped: int = 0

    def publish(self, upc: str, body: str = "nice") -> None:
        for queue in self.subscribers:
            queue.put_nowait((upc, body))

    def finish(self) -> None:
        for queue in self.subscribers:
            queue.put_nowait(None)

    async def wait(self, attribute: str, count: int) -> None:
        async def until() -> None:
            while getattr(self, attribute) < count:  # noqa: ASYNC110 - set by strawberry code
                await asyncio.sleep(0.01)

        await asyncio.wait_for(until(), 10)


def _world(info: strawberry.Info) -> World:
    world: World = info.context["world"]
    return world


# --- reviews ----------------------------------------------------------------------------
@strawberry.federation.type(keys=["upc"], name="Product")
class ProductRef:
    upc: str


@strawberry.federation.type(keys=["id"])
class Review:
    id: strawberry.ID
    body: str
    product: ProductRef


@strawberry.type
class ReviewsQuery:
    @strawberry.field
    def review_count(self) -> int:
        return 0


@strawberry.type
class Subscription:
    @strawberry.subscription
    async def review_added(self, info: strawberry.Info) -> AsyncGenerator[Review, None]:
        world = _world(info)
        world.init_payloads.append(dict(info.context.get("connection_params") or {}))
        world.upgrade_auth.append(info.context["request"].headers.get("authorization"))
        queue: asyncio.Queue[Any] = asyncio.Queue()
        world.subscribers.append(queue)
        world.started += 1
        try:
            n = 0
            while (item := await queue.get()) is not None:
                n += 1
                upc, body = item
                yield Review(id=strawberry.ID(f"r{n}"), body=body, product=ProductRef(upc=upc))
        finally:
            world.subscribers.remove(queue)
            world.stopped += 1

    @strawberry.subscription
    async def burst(
        self, info: strawberry.Info, count: int, size: int
    ) -> AsyncGenerator[Review, None]:
        world = _world(info)
        world.started += 1
        try:
            for n in range(count):
                yield Review(
                    id=strawberry.ID(f"b{n}"), body="x" * size, product=ProductRef(upc="1")
                )
                await asyncio.sleep(0)
        finally:
            world.stopped += 1


# --- products ---------------------------------------------------------------------------
@strawberry.federation.type(keys=["upc"])
class Product:
    upc: str
    name: str

    @classmethod
    def resolve_reference(cls, info: strawberry.Info, upc: str) -> Product:
        return _product(info, upc)


def _product(info: strawberry.Info, upc: str) -> Product:
    headers = info.context["request"].headers
    _world(info).products_headers.append(
        {k: headers[k] for k in ("authorization", "x-rumah-role", "x-rumah-opd") if k in headers}
    )
    return Product(upc=upc, name=f"Product {upc}")


@strawberry.type
class ProductsQuery:
    @strawberry.field
    def product(self, info: strawberry.Info, upc: str) -> Product:
        return _product(info, upc)


REVIEWS = Schema(query=ReviewsQuery, subscription=Subscription, types=[Review, ProductRef])
PRODUCTS = Schema(query=ProductsQuery, types=[Product])


class _View(GraphQL):  # type: ignore[type-arg]  # context is a plain dict here
    def __init__(self, schema: Schema, world: World) -> None:
        super().__init__(
            schema, graphql_ide=None, subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,)
        )
        self.world = world

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:  # type: ignore[override]
        return {"request": request, "response": response, "world": self.world}


class SubgraphsApp:
    """``/reviews`` and ``/products`` on one server."""

    def __init__(self, world: World) -> None:
        self.views = {"/reviews": _View(REVIEWS, world), "/products": _View(PRODUCTS, world)}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        view = self.views.get(scope["path"])
        if view is None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await send({"type": "http.response.start", "status": 404, "headers": []})
                await send({"type": "http.response.body", "body": b""})
            return
        await view(scope, receive, send)
