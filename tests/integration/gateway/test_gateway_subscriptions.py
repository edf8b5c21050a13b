"""Federated subscriptions end to end: a real graphql-transport-ws client, the production
gateway app on uvicorn, and strawberry subgraphs (the event source and the entity join)."""

from __future__ import annotations

import asyncio

import aiohttp
from gtws_client import Closed, gql_ws
from gw_servers import GatewayFactory, Subgraphs, free_port
from websockets.typing import Subprotocol

WATCH = "subscription { reviewAdded { id body product { upc name } } }"


async def test_events_are_joined_with_another_subgraph_and_complete_both_ways(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway()
    world = subgraphs.world
    async with gql_ws(gateway.ws) as client:
        assert client.ws.subprotocol == "graphql-transport-ws"
        assert await client.init() == {"type": "connection_ack"}
        await client.subscribe("a", WATCH)
        await client.subscribe("b", "subscription { reviewAdded { body } }")
        await world.wait("started", 2)
        world.publish("42", "great chair")
        got = {}
        for _ in range(2):
            message = await client.receive()
            assert message["type"] == "next"
            got[message["id"]] = message["payload"]
        assert got == {
            "a": {
                "data": {
                    "reviewAdded": {
                        "id": "r1",
                        "body": "great chair",
                        "product": {"upc": "42", "name": "Product 42"},
                    }
                }
            },
            "b": {"data": {"reviewAdded": {"body": "great chair"}}},
        }
        # client complete stops that upstream subscription only
        await client.complete("b")
        await world.wait("stopped", 1)
        world.publish("7")
        message = await client.receive()
        assert (message["id"], message["payload"]["data"]["reviewAdded"]["product"]["name"]) == (
            "a",
            "Product 7",
        )
        # the subgraph ending the stream completes the client's subscription
        world.finish()
        assert await client.receive() == {"id": "a", "type": "complete"}
        await world.wait("stopped", 2)
        await client.send({"type": "ping", "payload": {"x": 1}})
        assert await client.receive() == {"type": "pong", "payload": {"x": 1}}


async def test_queries_through_subscribe_and_errors(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway()
    async with gql_ws(gateway.ws) as client:
        await client.init()
        await client.subscribe("q", '{ product(upc: "3") { name } }')
        assert await client.receive() == {
            "id": "q",
            "type": "next",
            "payload": {"data": {"product": {"name": "Product 3"}}},
        }
        assert await client.receive() == {"id": "q", "type": "complete"}
        await client.subscribe("bad", "subscription { reviewAdded { stars } }")
        message = await client.receive()
        assert (message["id"], message["type"]) == ("bad", "error")
        assert message["payload"][0]["message"] == 'Cannot query field "stars" on type "Review".'


async def test_the_client_leaving_stops_the_upstream_subscription(
    subgraphs: Subgraphs, start_gateway: GatewayFactory
) -> None:
    gateway = await start_gateway()
    async with gql_ws(gateway.ws) as client:
        await client.init()
        await client.subscribe("a", WATCH)
        await subgraphs.world.wait("started", 1)
    await subgraphs.world.wait("stopped", 1)


async def test_an_unreachable_subgraph_is_an_error_message(
    start_gateway: GatewayFactory,
) -> None:
    gateway = await start_gateway(reviews_url=f"http://127.0.0.1:{free_port()}/reviews")
    async with gql_ws(gateway.ws) as client:
        await client.init()
        await client.subscribe("a", WATCH)
        message = await client.receive()
        assert (message["id"], message["type"]) == ("a", "error")
        [error] = message["payload"]
        assert error["message"].startswith("WebSocket subscription to 'reviews' failed: ")
        assert error["extensions"] == {
            "code": "SUBSCRIPTION_UPSTREAM_FAILED",
            "serviceName": "reviews",
        }
        await client.send({"type": "ping"})
        assert await client.receive() == {"type": "pong"}  # no complete after an error


async def test_protocol_close_codes_with_a_real_client(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(ws_init_timeout=0.3)
    async with gql_ws(gateway.ws) as client:
        assert (await client.closed()).code == 4408
    async with gql_ws(gateway.ws) as client:
        await client.subscribe("a", WATCH)
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4401, "Unauthorized")
    async with gql_ws(gateway.ws) as client:
        await client.init()
        await client.send({"type": "connection_init"})
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4429, "Too many initialisation requests")
    async with gql_ws(gateway.ws) as client:
        await client.init()
        await client.subscribe("a", WATCH)
        await client.subscribe("a", WATCH)
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4409, "Subscriber for a already exists")
    async with gql_ws(gateway.ws) as client:
        await client.ws.send("{oops")
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4400, "Invalid message received: not JSON")
    async with gql_ws(gateway.ws, subprotocols=[Subprotocol("graphql-ws")]) as client:
        closed = await client.closed()
        assert (closed.code, closed.reason) == (4406, "Subprotocol not acceptable")


async def test_the_server_pings_and_the_client_may_ping(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(ws_keepalive_interval=0.05)
    async with gql_ws(gateway.ws) as client:
        await client.init()
        assert await client.receive() == {"type": "ping"}
        await client.send({"type": "pong"})
        await client.send({"type": "ping"})
        while (message := await client.receive()) == {"type": "ping"}:
            pass
        assert message == {"type": "pong"}


async def test_http_still_answers_and_refuses_subscriptions(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway()
    async with aiohttp.ClientSession() as session:
        async with session.post(gateway.http, json={"query": WATCH}) as response:
            body = await response.json()
        assert body["errors"][0]["extensions"]["code"] == "SUBSCRIPTION_NOT_SUPPORTED"
        async with session.get(gateway.http.replace("/graphql", "/health")) as response:
            assert response.status == 200
            assert (await response.json())["status"] == "ok"


async def test_connections_beyond_the_limit_are_refused_1013(start_gateway: GatewayFactory) -> None:
    gateway = await start_gateway(ws_max_connections=1)
    async with gql_ws(gateway.ws) as first:
        await first.init()
        async with gql_ws(gateway.ws) as second:
            closed = await second.closed()
            assert (closed.code, closed.reason) == (1013, "Too many connections")
    for _ in range(100):  # the server notices the first client left, then frees the slot
        async with gql_ws(gateway.ws) as third:
            try:
                assert await third.init() == {"type": "connection_ack"}
                return
            except Closed as closed:
                assert closed.code == 1013
        await asyncio.sleep(0.02)
    raise AssertionError("the connection slot was never freed")
