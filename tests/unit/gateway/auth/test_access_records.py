# ruff: noqa: E501 - records read best on one line

"""Access records: one per request (refusals included) with the principal, the operation, the
subgraphs, the top-level fields with arguments and the entities the response carried; a
bounded buffer that refuses to serve unrecorded reads; a sink that may fail and is retried."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import orjson
import pytest
from test_auth_authorize import SUPERGRAPH, Subgraphs

from gateway.access_records import AccessRecorder
from gateway.app import GatewayApp
from gateway.auth import AccessGate, Principal, StaticTokenAuthenticator
from gateway.http.graphql_endpoint import EndpointOptions, GraphQLEndpoint
from gateway.http.health import HealthEndpoint
from gateway.request.pipeline import Pipeline
from gateway.request.prepare import PrepareConfig
from gateway.request.state import StateHolder, build_state

AUDITOR = Principal(
    "inspektur-1",
    frozenset({"auditor"}),
    frozenset({"personnel:read", "personal:read"}),
    name="Inspektur",
)
GATE = AccessGate(StaticTokenAuthenticator({"t": AUDITOR}))


class Sink:
    def __init__(self) -> None:
        self.records: list[Any] = []
        self.down = False

    async def write(self, records: Any) -> None:
        if self.down:
            raise ConnectionError("the log is down")
        self.records.extend(records)


def app(recorder: AccessRecorder) -> GatewayApp:
    state = build_state(SUPERGRAPH, lambda _s: Subgraphs())
    holder = StateHolder(state)
    endpoint = GraphQLEndpoint(
        holder, Pipeline(PrepareConfig()), EndpointOptions(), gate=GATE, recorder=recorder
    )
    return GatewayApp(graphql=endpoint, health=HealthEndpoint(holder))


async def call(gateway: GatewayApp, body: Any, token: str | None = "t") -> tuple[int, Any]:
    import sys

    sys.path.insert(0, str(Path(__file__).parents[1] / "http"))
    from http_driver import call as http_call

    headers = {"authorization": f"Bearer {token}"} if token else {}
    r = await http_call(gateway, json=body, headers=headers)
    return r.status, r.json()


async def test_a_read_leaves_a_record_of_who_read_which_entities() -> None:
    sink = Sink()
    recorder = AccessRecorder(sink)
    gateway = app(recorder)
    query = "query People { staff: employees { nip name } positions { id } }"
    status, body = await call(gateway, {"query": query, "operationName": "People"})
    assert status == 200 and body["data"]["staff"][0]["nip"] == "1"
    assert recorder.pending == 1
    await recorder._flush()
    [record] = sink.records
    assert record["principal"] == {
        "subject": "inspektur-1",
        "issuer": "static",
        "roles": ["auditor"],
        "opd": None,
        "name": "Inspektur",
    }
    assert record["operation"]["name"] == "People" and record["operation"]["type"] == "query"
    assert len(record["operation"]["hash"]) == 64
    assert record["outcome"] == "ok" and record["status"] == 200
    assert set(record["subgraphs"]) == {"a", "b"}
    assert record["fields"] == [{"field": "employees", "alias": "staff"}, {"field": "positions"}]
    assert record["entities"] == ["Employee:1", "Employee:2", "Position:p1"]
    assert orjson.loads(orjson.dumps(record)) == record  # JSON all the way


async def test_entities_are_recorded_even_when_the_client_does_not_select_their_keys() -> None:
    """Attack: audit evasion — read employees' names without selecting ``nip``; the record
    listed no entity, so "who read this employee's data?" (``reads: "Employee:<nip>"``)
    missed the reader. The gateway now asks the subgraphs for the keys of every entity the
    operation reads (under aliases of its own) and records them; the client's response is
    unchanged."""
    sink = Sink()
    recorder = AccessRecorder(sink)
    state = build_state(SUPERGRAPH, lambda _s: Subgraphs())
    pipeline = Pipeline(PrepareConfig(record_entity_keys=True))
    endpoint = GraphQLEndpoint(
        StateHolder(state), pipeline, EndpointOptions(), gate=GATE, recorder=recorder
    )
    gateway = GatewayApp(graphql=endpoint, health=HealthEndpoint(StateHolder(state)))
    query = "{ staff: employees { n: name ... on Employee { rank } } positions { title } }"
    status, body = await call(gateway, {"query": query})
    assert status == 200 and body == {
        "data": {
            "staff": [{"n": "Ani", "rank": "JUNIOR"}, {"n": "Budi", "rank": "SENIOR"}],
            "positions": [{"title": "Kepala"}],
        }
    }
    await recorder._flush()
    [record] = sink.records
    assert record["entities"] == ["Employee:1", "Employee:2", "Position:p1"]


async def test_refused_requests_are_recorded_too() -> None:
    sink = Sink()
    recorder = AccessRecorder(sink)
    gateway = app(recorder)
    assert (await call(gateway, {"query": "{ audit }"}, token=None))[0] == 401
    assert (await call(gateway, {"query": "{ nope }"}))[0] == 200  # a validation error
    await recorder._flush()
    assert [r["outcome"] for r in sink.records] == ["unauthenticated", "error"]
    assert sink.records[0]["principal"]["subject"] == "anonymous"


async def test_nothing_is_served_unrecorded_when_the_buffer_is_full() -> None:
    sink = Sink()
    sink.down = True
    recorder = AccessRecorder(sink, capacity=2)
    gateway = app(recorder)
    for _ in range(2):
        assert (await call(gateway, {"query": "{ positions { id } }"}))[0] == 200
    status, body = await call(gateway, {"query": "{ positions { id } }"})
    assert status == 503 and "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert recorder.refused == 1
    assert not await recorder._flush()  # the log is down: kept, not lost
    assert recorder.pending == 2
    sink.down = False
    assert await recorder._flush()
    assert len(sink.records) == 2 and recorder.pending == 0
    assert (await call(gateway, {"query": "{ positions { id } }"}))[0] == 200


async def test_the_writer_retries_until_the_log_is_back_and_drains_on_stop() -> None:
    sink = Sink()
    sink.down = True
    recorder = AccessRecorder(sink, interval_s=0.01, batch=2)
    for n in range(5):
        assert recorder.submit({"n": n})
    task = asyncio.create_task(recorder.run())
    await asyncio.sleep(0.05)
    assert sink.records == [] and recorder.failures >= 1
    sink.down = False
    for _ in range(200):
        if recorder.pending == 0:
            break
        await asyncio.sleep(0.02)
    recorder.submit({"n": 5})
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [r["n"] for r in sink.records] == [0, 1, 2, 3, 4, 5]  # in order, none lost


def test_the_event_carries_the_record_and_validates_against_its_schema() -> None:
    from rumah.access_sink import ACCESS_TYPE, access_event
    from services.kit.envelope import load_schemas

    record = {
        "id": "r1",
        "time": "2026-12-06T01:02:03.004Z",
        "client": "10.0.0.1",
        "principal": {"subject": "u", "issuer": "static", "roles": ["auditor"], "opd": None},
        "operation": {"hash": "a" * 64, "name": None, "type": "query"},
        "outcome": "ok",
        "status": 200,
        "subgraphs": ["personnel"],
        "fields": [{"field": "employee", "arguments": {"nip": "199001012015031001"}}],
        "entities": ["Employee:199001012015031001"],
    }
    event = access_event(record)
    assert event["type"] == ACCESS_TYPE and event["subject"] == "u" and event["opd"] == "PEMKAB"
    assert event["id"] == "r1" and event["data"] == record
    load_schemas().check(event)  # raises InvalidEvent when the envelope or data is off
    schema = json.loads(
        Path(
            "schemas/events/id.go.serdangbedagaikab.gateway.access.recorded.schema.json"
        ).read_text()
    )
    assert set(schema["required"]) <= set(record)


def test_arguments_the_log_cannot_carry_are_kept_as_text() -> None:
    from graphql import parse

    from gateway.access_records import root_fields

    [operation] = parse(
        "query($v: Int) { a(n: 123456789012345678901234567890, m: $v, o: {x: [1]}) }"
    ).definitions
    [field] = root_fields(operation, {}, {"v": 2**70})  # type: ignore[arg-type]
    assert field["arguments"] == {
        "n": "123456789012345678901234567890",
        "m": str(2**70),
        "o": {"x": [1]},
    }
    orjson.dumps(field)  # would raise on a 70-bit integer


async def test_a_persisted_query_is_recorded_by_the_hash_of_the_text_that_ran() -> None:
    """A request that sends only a persisted query's hash is recorded with the operation's
    hash (the text that ran, as for a request that sends the text); one the gateway does
    not know yet is recorded by the hash it named."""
    import hashlib

    from gateway.request.persisted import PersistedQueries

    sink = Sink()
    recorder = AccessRecorder(sink)
    state = build_state(SUPERGRAPH, lambda _s: Subgraphs())
    holder = StateHolder(state)
    pipeline = Pipeline(PrepareConfig(), persisted=PersistedQueries())
    endpoint = GraphQLEndpoint(holder, pipeline, EndpointOptions(), gate=GATE, recorder=recorder)
    gateway = GatewayApp(graphql=endpoint, health=HealthEndpoint(holder))
    query = "query P { positions { id } }"
    digest = hashlib.sha256(query.encode()).hexdigest()
    persisted = {"persistedQuery": {"version": 1, "sha256Hash": digest}}
    status, body = await call(gateway, {"extensions": persisted})
    assert body["errors"][0]["extensions"]["code"] == "PERSISTED_QUERY_NOT_FOUND"
    status, body = await call(gateway, {"query": query, "extensions": persisted})
    assert status == 200 and body["data"]["positions"]
    status, body = await call(gateway, {"extensions": persisted})  # the hash alone now
    assert status == 200 and body["data"]["positions"]
    await recorder._flush()
    assert [r["operation"]["hash"] for r in sink.records] == [digest] * 3
    assert sink.records[2]["operation"]["name"] == "P"
    assert sink.records[2]["entities"] == ["Position:p1"]
