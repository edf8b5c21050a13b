"""In-process drivers for the WebSocket endpoint: a fake ASGI socket, a scripted upstream,
an entity-answering subgraph fetcher, and a real supergraph (composed here) + planner."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import orjson

from gateway.auth import Authenticator
from gateway.auth.rate_limit import RateLimiter
from gateway.compose import SubgraphSource, compose
from gateway.executor.native import kernel_from_environment
from gateway.ports import SubgraphRequest
from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import GatewayState, StateHolder, build_state
from gateway.subscriptions import (
    SubscriptionEndpoint,
    SubscriptionOptions,
    SubscriptionRuntime,
    UpstreamFailure,
    UpstreamRequest,
)

LINK = (
    'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", '
    'import: ["@key", "@external", "@requires"])\n'
)
REVIEWS_SDL = (
    LINK
    + """
type Query { review(id: ID!): Review }
type Subscription { reviewAdded(minStars: Int = 0): Review! }
type Review @key(fields: "id") { id: ID! body: String! stars: Int! product: Product }
type Product @key(fields: "upc") { upc: String! }
"""
)
PRODUCTS_SDL = (
    LINK
    + """
type Query { topProducts: [Product!]! }
type Product @key(fields: "upc") { upc: String! name: String! price: Int! }
"""
)
PROTOCOL = "graphql-transport-ws"
WAIT = 10.0  # guards against hangs only; nothing asserts on speed


@cache
def supergraph_sdl() -> str:
    result = compose(
        [
            SubgraphSource("reviews", "http://reviews.test/graphql", REVIEWS_SDL),
            SubgraphSource("products", "http://products.test/graphql", PRODUCTS_SDL),
        ]
    )
    assert result.supergraph_sdl is not None, result.errors
    return result.supergraph_sdl


# --------------------------------------------------------------------------- subgraphs
class ProductsFetcher:
    """Answers ``_entities`` for products and ``topProducts``; records every request."""

    def __init__(self) -> None:
        self.requests: list[SubgraphRequest] = []

    async def fetch(self, request: SubgraphRequest) -> Mapping[str, Any]:
        self.requests.append(request)
        assert request.service == "products", request.service
        if "_entities" in request.query:
            reps = (request.variables or {})["representations"]
            return {
                "data": {
                    "_entities": [
                        {"__typename": "Product", "name": f"Product {r['upc']}", "price": 10}
                        for r in reps
                    ]
                }
            }
        return {"data": {"topProducts": [{"upc": "1", "name": "Chair"}]}}


_END = object()


class ScriptedUpstream:
    """``Upstream`` fed by the test: ``push`` a result, ``end()``, or ``fail(exc)``."""

    def __init__(self) -> None:
        self.requests: list[UpstreamRequest] = []
        self.queues: list[asyncio.Queue[Any]] = []
        self.closed = 0
        self.opened = asyncio.Event()

    async def events(self, request: UpstreamRequest) -> AsyncGenerator[Mapping[str, Any], None]:
        queue: asyncio.Queue[Any] = asyncio.Queue()
        self.requests.append(request)
        self.queues.append(queue)
        self.opened.set()
        try:
            while True:
                item = await queue.get()
                if item is _END:
                    return
                if isinstance(item, BaseException):
                    raise item
                yield item
        finally:
            self.closed += 1

    async def wait_open(self, count: int = 1) -> None:
        async def until() -> None:
            while len(self.queues) < count:  # noqa: ASYNC110 - polled: set by the code under test
                await asyncio.sleep(0.005)

        await asyncio.wait_for(until(), WAIT)

    def push(self, result: Mapping[str, Any], index: int = -1) -> None:
        self.queues[index].put_nowait(result)

    def end(self, index: int = -1) -> None:
        self.queues[index].put_nowait(_END)

    def fail(self, exc: UpstreamFailure, index: int = -1) -> None:
        self.queues[index].put_nowait(exc)

    async def wait_closed(self, count: int = 1) -> None:
        async def until() -> None:
            while self.closed < count:  # noqa: ASYNC110 - polled: set by the code under test
                await asyncio.sleep(0.005)

        await asyncio.wait_for(until(), WAIT)


def review(rid: str = "r1", upc: str = "1", body: str = "good") -> dict[str, Any]:
    """One upstream event, as the primary fetch ``reviewAdded { … product { upc } }`` returns."""
    return {
        "data": {
            "reviewAdded": {
                "id": rid,
                "body": body,
                "product": {"upc": upc, "__typename": "Product"},
            }
        }
    }


# --------------------------------------------------------------------------- gateway
@dataclass
class Gateway:
    endpoint: SubscriptionEndpoint
    holder: StateHolder
    fetcher: ProductsFetcher
    upstream: ScriptedUpstream
    runtime: SubscriptionRuntime


def gateway(
    *,
    options: SubscriptionOptions | None = None,
    authenticator: Authenticator | None = None,
    loaded: bool = True,
    failures: RateLimiter | None = None,
) -> Gateway:
    fetcher = ProductsFetcher()
    upstream = ScriptedUpstream()
    state: GatewayState | None = None
    if loaded:
        state = build_state(supergraph_sdl(), lambda _subgraphs: fetcher)
    holder = StateHolder(state)
    runtime = SubscriptionRuntime(
        holder,
        Pipeline(PrepareConfig(), kernel=kernel_from_environment()),
        upstream,
        authenticator,
        options or SubscriptionOptions(keepalive_interval=0),
        failures=failures,
    )
    return Gateway(SubscriptionEndpoint(runtime), holder, fetcher, upstream, runtime)


# --------------------------------------------------------------------------- client side
class Closed(Exception):
    def __init__(self, code: int, reason: str) -> None:
        super().__init__(f"closed {code} {reason!r}")
        self.code, self.reason = code, reason


@dataclass
class FakeSocket:
    """The client end of one in-process WebSocket (ASGI receive/send pair)."""

    subprotocols: tuple[str, ...] = (PROTOCOL,)
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    incoming: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    outgoing: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    gate: asyncio.Event | None = None  # while cleared, websocket.send blocks (a slow client)
    sent_frames: int = 0
    client: tuple[str, int] | None = None  # the TCP peer (ASGI "client")

    def __post_init__(self) -> None:
        self.incoming.put_nowait({"type": "websocket.connect"})

    @property
    def scope(self) -> dict[str, Any]:
        return {
            "type": "websocket",
            "path": "/graphql",
            "headers": self.headers,
            "subprotocols": list(self.subprotocols),
            "client": self.client,
        }

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: Any) -> None:
        if message["type"] == "websocket.send":
            if self.gate is not None:
                await self.gate.wait()
            self.sent_frames += 1
        self.outgoing.put_nowait(dict(message))

    # client actions
    def send_json(self, message: Any) -> None:
        self.send_text(orjson.dumps(message).decode())

    def send_text(self, text: str) -> None:
        self.incoming.put_nowait({"type": "websocket.receive", "text": text})

    def send_bytes(self, data: bytes) -> None:
        self.incoming.put_nowait({"type": "websocket.receive", "bytes": data})

    def disconnect(self, code: int = 1000) -> None:
        self.incoming.put_nowait({"type": "websocket.disconnect", "code": code})

    async def message(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.outgoing.get(), WAIT)

    async def frame(self) -> dict[str, Any]:
        """The next frame from the server; ``Closed`` if the server closed instead."""
        while True:
            message = await self.message()
            if message["type"] == "websocket.send":
                decoded: dict[str, Any] = orjson.loads(message["text"])
                return decoded
            if message["type"] == "websocket.close":
                raise Closed(message.get("code", 1000), message.get("reason", ""))

    async def closed(self) -> Closed:
        """Frames until the close; the close (fails if a frame is not followed by one)."""
        try:
            while True:
                await self.frame()
        except Closed as closed:
            return closed

    def no_frame_waiting(self) -> bool:
        return self.outgoing.empty()


async def connect(
    gw: Gateway, socket: FakeSocket | None = None
) -> tuple[FakeSocket, asyncio.Task[None]]:
    """Open a socket on ``gw`` (accepted, not initialised)."""
    socket = socket or FakeSocket()
    task = asyncio.create_task(gw.endpoint(socket.scope, socket.receive, socket.send))
    accept = await socket.message()
    assert accept["type"] == "websocket.accept", accept
    return socket, task


async def connected(
    gw: Gateway, payload: dict[str, Any] | None = None, socket: FakeSocket | None = None
) -> tuple[FakeSocket, asyncio.Task[None]]:
    """An acknowledged connection."""
    socket, task = await connect(gw, socket)
    socket.send_json({"type": "connection_init", **({"payload": payload} if payload else {})})
    assert await socket.frame() == {"type": "connection_ack"}
    return socket, task


async def finished(task: asyncio.Task[None]) -> None:
    """The endpoint returned (and did not raise)."""
    await asyncio.wait_for(task, WAIT)


SUBSCRIPTION = "subscription { reviewAdded { body product { name } } }"


def subscribe(
    socket: FakeSocket,
    op_id: str = "1",
    query: str = SUBSCRIPTION,
    variables: dict[str, Any] | None = None,
) -> None:
    payload: dict[str, Any] = {"query": query}
    if variables is not None:
        payload["variables"] = variables
    socket.send_json({"id": op_id, "type": "subscribe", "payload": payload})
