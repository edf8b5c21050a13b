"""Subscriptions through the planner and executor: each upstream event is completed by the
``rest`` of the plan (entity fetches to other subgraphs) and shaped like a query result."""

# ruff: noqa: E501 - tables of cases read best one per line

from __future__ import annotations

from subs_support import connected, finished, gateway, review, subscribe

from gateway.subscriptions import UpstreamFailure


async def test_each_event_is_joined_with_the_other_subgraphs_fields() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(
        socket,
        "s",
        "subscription Watch($stars: Int) { added: reviewAdded(minStars: $stars)"
        " { body product { name upc } } }",
        {"stars": 4},
    )
    await gw.upstream.wait_open()
    [request] = gw.upstream.requests
    assert request.service == "reviews"
    assert request.url == "ws://reviews.test/graphql"
    assert request.query.startswith("subscription Watch__reviews__0($stars:Int)")
    assert "added:reviewAdded(minStars:$stars)" in request.query
    assert request.operation_name == "Watch__reviews__0"
    assert request.variables == {"stars": 4}
    assert request.init_payload is None  # the access layer adds the credential

    for rid, upc in (("r1", "7"), ("r2", "8")):
        event = review(rid, upc)
        event["data"]["added"] = event["data"].pop("reviewAdded")
        gw.upstream.push(event)
        frame = await socket.frame()
        assert frame == {
            "id": "s",
            "type": "next",
            "payload": {
                "data": {
                    "added": {"body": "good", "product": {"name": f"Product {upc}", "upc": upc}}
                }
            },
        }
    entity_requests = [r for r in gw.fetcher.requests if "_entities" in r.query]
    assert [r.variables["representations"] for r in entity_requests if r.variables] == [
        [{"__typename": "Product", "upc": "7"}],
        [{"__typename": "Product", "upc": "8"}],
    ]
    gw.upstream.end()
    assert await socket.frame() == {"id": "s", "type": "complete"}
    socket.disconnect()
    await finished(task)


async def test_fields_of_the_owning_subgraph_alone_need_no_other_fetch() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s", "subscription { reviewAdded { id __typename body } }")
    await gw.upstream.wait_open()
    gw.upstream.push({"data": {"reviewAdded": {"id": "r1", "body": "ok", "extra": 1}}})
    frame = await socket.frame()
    assert frame["payload"] == {
        "data": {"reviewAdded": {"id": "r1", "__typename": "Review", "body": "ok"}}
    }
    assert gw.fetcher.requests == []
    socket.disconnect()
    await finished(task)


async def test_event_errors_are_passed_on_with_the_service_name() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    gw.upstream.push({"data": None, "errors": [{"message": "boom", "path": ["reviewAdded"]}]})
    frame = await socket.frame()
    assert frame["payload"] == {
        "data": None,
        "errors": [
            {
                "message": "boom",
                "path": ["reviewAdded"],
                "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"},
            }
        ],
    }
    gw.upstream.push({"data": "nonsense"})
    frame = await socket.frame()
    assert frame["payload"]["data"] is None
    assert frame["payload"]["errors"][0]["extensions"]["code"] == "SUBREQUEST_MALFORMED_RESPONSE"
    gw.upstream.push(review("r3"))  # the stream goes on
    assert (await socket.frame())["payload"]["data"]["reviewAdded"]["body"] == "good"
    socket.disconnect()
    await finished(task)


async def test_a_failing_join_gives_partial_data_with_the_error() -> None:
    gw = gateway()

    async def broken(request: object) -> object:
        raise RuntimeError("products is down")

    gw.fetcher.fetch = broken  # type: ignore[method-assign,assignment]
    socket, task = await connected(gw)
    subscribe(socket, "s", "subscription { reviewAdded { body product { upc name } } }")
    await gw.upstream.wait_open()
    gw.upstream.push(review("r1", "5"))
    payload = (await socket.frame())["payload"]
    # name is non-null: the (nullable) product becomes null, the review survives
    assert payload["data"] == {"reviewAdded": {"body": "good", "product": None}}
    assert payload["errors"][0]["extensions"]["serviceName"] == "products"
    socket.disconnect()
    await finished(task)


async def test_an_upstream_failure_becomes_an_error_message() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    gw.upstream.fail(
        UpstreamFailure(
            "reviews",
            "Subgraph 'reviews' closed the subscription (1011)",
            "SUBSCRIPTION_UPSTREAM_CLOSED",
        )
    )
    assert await socket.frame() == {
        "id": "s",
        "type": "error",
        "payload": [
            {
                "message": "Subgraph 'reviews' closed the subscription (1011)",
                "extensions": {"code": "SUBSCRIPTION_UPSTREAM_CLOSED", "serviceName": "reviews"},
            }
        ],
    }
    socket.send_json({"type": "ping"})
    assert await socket.frame() == {"type": "pong"}  # no complete after the error
    socket.disconnect()
    await finished(task)


async def test_an_upstream_error_message_passes_its_graphql_errors_on() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "s")
    await gw.upstream.wait_open()
    gw.upstream.fail(
        UpstreamFailure(
            "reviews",
            "rejected",
            errors=[{"message": "not allowed", "locations": [{"line": 1, "column": 2}]}],
        )
    )
    frame = await socket.frame()
    assert frame["type"] == "error"
    assert frame["payload"] == [
        {
            "message": "not allowed",
            "extensions": {"code": "DOWNSTREAM_SERVICE_ERROR", "serviceName": "reviews"},
        }
    ]
    socket.disconnect()
    await finished(task)


async def test_a_mutation_through_subscribe_is_refused_by_validation_like_http() -> None:
    gw = gateway()
    socket, task = await connected(gw)
    subscribe(socket, "m", "mutation { x }")
    frame = await socket.frame()
    assert frame["type"] == "error"
    assert frame["payload"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    socket.disconnect()
    await finished(task)
