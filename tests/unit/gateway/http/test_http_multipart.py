"""``multipart/mixed`` incremental delivery at the HTTP edge: which clients get it
(``accepts_multipart``) and the framing ``send_multipart`` writes, including a client that
goes away mid-stream (the whole gateway is exercised in ``tests/federation/test_defer.py``)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, MutableMapping
from typing import Any

import orjson
import pytest

from gateway.http.multipart import CONTENT_TYPE, send_multipart
from gateway.web.negotiation import accepts_multipart


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("multipart/mixed;deferSpec=20220824, application/json", True),  # Apollo Client
        ('multipart/mixed; deferSpec="20220824"', True),
        ("multipart/mixed", True),  # Hive Gateway's clients
        ("application/json, Multipart/Mixed", True),
        ("multipart/mixed;deferSpec=20990101", False),  # a spec version we do not speak
        ("multipart/mixed;q=0, application/json", False),
        ("application/json", False),
        ("application/graphql-response+json", False),
        ("", False),
        (None, False),
    ],
)
def test_who_gets_incremental_delivery(accept: str | None, expected: bool) -> None:
    assert accepts_multipart(accept) is expected


async def _payloads(
    log: list[str], hold: asyncio.Event | None = None
) -> AsyncIterator[dict[str, Any]]:
    try:
        yield {"data": {"a": 1}, "hasNext": True}
        if hold is not None:
            await hold.wait()
        yield {"incremental": [{"data": {"b": 2}, "path": []}], "hasNext": False}
    finally:
        log.append("closed")


async def test_parts_are_framed_as_apollo_and_hive_clients_read_them() -> None:
    sent: list[MutableMapping[str, Any]] = []
    never = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await never.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)

    log: list[str] = []
    first = await send_multipart(send, receive, _payloads(log))
    assert first == {"data": {"a": 1}, "hasNext": True}
    start, *bodies = sent
    assert start["status"] == 200
    assert dict(start["headers"])[b"content-type"] == CONTENT_TYPE
    assert CONTENT_TYPE == b'multipart/mixed; boundary="-"; deferSpec=20220824'
    assert [b["more_body"] for b in bodies] == [True, True, False]
    body = b"".join(b["body"] for b in bodies)
    part = b"\r\n---\r\nContent-Type: application/json; charset=utf-8\r\n\r\n"
    assert body == (
        part
        + orjson.dumps({"data": {"a": 1}, "hasNext": True})
        + part
        + orjson.dumps({"incremental": [{"data": {"b": 2}, "path": []}], "hasNext": False})
        + b"\r\n-----\r\n"
    )
    assert log == ["closed"]


async def test_a_client_going_away_stops_the_production() -> None:
    sent: list[MutableMapping[str, Any]] = []
    gone = asyncio.Event()
    hold = asyncio.Event()  # the deferred part never finishes by itself

    async def receive() -> dict[str, Any]:
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(message)
        if message.get("more_body"):
            gone.set()  # the client disconnects after the first part

    log: list[str] = []
    first = await asyncio.wait_for(send_multipart(send, receive, _payloads(log, hold)), 30)
    assert first == {"data": {"a": 1}, "hasNext": True}
    assert len(sent) == 2  # the start and the first part; no close delimiter for nobody
    assert log == ["closed"]  # the payloads' generator was closed: its work cancelled


@pytest.mark.parametrize("records", [False, True])
async def test_defer_is_answered_whole_while_access_records_need_the_entities_read(
    records: bool,
) -> None:
    """@defer in parts would be produced after its access record: while records name the
    entities read, the deferring query is answered in one response (as the spec allows)."""
    from http_driver import call

    from bench.gateway.inprocess import HERE, InMemoryFetcher
    from gateway.app import GatewayApp
    from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
    from gateway.http.health import HealthEndpoint
    from gateway.request.pipeline import Pipeline
    from gateway.request.prepare import PrepareConfig
    from gateway.request.state import StateHolder, build_state

    fetcher = InMemoryFetcher()
    sdl = (HERE / "supergraph.graphql").read_text()
    holder = StateHolder(build_state(sdl, lambda _s: fetcher))
    pipeline = Pipeline(PrepareConfig(record_entity_keys=records))
    app = GatewayApp(
        graphql=GraphQLEndpoint(holder, pipeline, EndpointOptions()),
        health=HealthEndpoint(holder),
    )
    query = "{ topProducts { upc ... @defer { name } } }"
    answer = await call(app, json={"query": query}, headers={"accept": "multipart/mixed"})
    media = (answer.headers or {}).get("content-type", "")
    assert media.startswith("multipart/mixed") is (not records), media
