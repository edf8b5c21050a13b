"""Traces across the hub, collected in-process (InMemorySpanExporter; every component runs
in this test process on the embedded adapters): a gateway query through three subgraph
fetches, and a change from the upstream pull through the store, the outbox relay, the log,
the ledger and an auditor's subscription through the gateway — one trace id each, parents
right."""

from __future__ import annotations

import asyncio
from pathlib import Path

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from services.kit.testing import eventually
from tests.unit.ledger.test_ledger_through_gateway import gtws, hub, licensing_events

THREE = """{ history(filter: {service: "licensing"}, first: 1) { edges { node { seq
  subject { ... on PermitApplication { status verifier { holder { name } } } } } } } }"""
NEW_CHANGES = """subscription { changes(filter: {service: "licensing"}) {
  seq event { id } subject { ... on PermitApplication { status verifier { holder { nip } } } }
} }"""
CLIENT_TRACE = "0af7651916cd43dd8448eb211c80319c"
CLIENT_SPAN = "b7ad6b7169203331"
AUTH = {"Authorization": "Bearer audit-token"}


def _hex(value: int, width: int) -> str:
    return f"{value:0{width}x}"


def _trace(span: ReadableSpan) -> str:
    assert span.context is not None
    return _hex(span.context.trace_id, 32)


def _id(span: ReadableSpan) -> str:
    assert span.context is not None
    return _hex(span.context.span_id, 16)


def _parent(span: ReadableSpan) -> str | None:
    return None if span.parent is None else _hex(span.parent.span_id, 16)


def _scope(span: ReadableSpan) -> str:
    return span.instrumentation_scope.name if span.instrumentation_scope else ""


def _named(found: list[ReadableSpan], prefix: str, scope: str | None = None) -> list[ReadableSpan]:
    return [s for s in found if s.name.startswith(prefix) and (scope is None or _scope(s) == scope)]


async def test_a_query_is_one_trace_through_three_subgraph_fetches(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    async with hub(tmp_path) as h:

        async def has_entries() -> bool:
            return len(await h.licensing_history()) > 0

        await eventually(has_entries, timeout_s=120, what="licensing events in the ledger")
        spans.clear()
        headers = {
            **AUTH,
            "traceparent": f"00-{CLIENT_TRACE}-{CLIENT_SPAN}-01",
            "X-Request-Id": "trace-test-1",
        }
        async with h.http.post(h.gateway, json={"query": THREE}, headers=headers) as r:
            body = await r.json()
            assert r.headers["x-request-id"] == "trace-test-1"
        assert not body.get("errors"), body
        node = body["data"]["history"]["edges"][0]["node"]
        assert node["subject"]["status"]

        def ours() -> list[ReadableSpan]:
            return [s for s in spans.get_finished_spans() if _trace(s) == CLIENT_TRACE]

        def complete() -> bool:
            found = ours()
            servers = _named(found, "POST /graphql")
            return len(servers) == 4 and len(_named(found, "gateway.fetch")) == 3

        await eventually(lambda: asyncio.sleep(0, complete()), timeout_s=10, what="all spans")
    found = ours()
    [request] = [s for s in _named(found, "POST /graphql", "rumah.gateway")]
    assert _parent(request) == CLIENT_SPAN  # the client's traceparent is continued
    assert request.attributes is not None
    assert request.attributes["rumah.request_id"] == "trace-test-1"
    assert request.attributes["http.response.status_code"] == 200
    [prepare] = _named(found, "gateway.prepare")
    assert _parent(prepare) == _id(request)
    for step in ("gateway.parse", "gateway.validate", "gateway.plan"):  # a plan-cache miss
        [child] = _named(found, step)
        assert _parent(child) == _id(prepare), step
    fetches = {s.name.removeprefix("gateway.fetch "): s for s in _named(found, "gateway.fetch")}
    assert set(fetches) == {"ledger", "licensing", "personnel"}
    for name, fetch in fetches.items():
        assert _parent(fetch) == _id(request), name
        # each subgraph continues the fetch's traceparent in its own server span …
        [server] = [s for s in _named(found, "POST /graphql", f"rumah.{name}")]
        assert _parent(server) == _id(fetch), name
        # … and into its resolvers and its store
        below = {_id(server)}
        for s in sorted(found, key=lambda s: s.start_time or 0):
            if _parent(s) in below:
                below.add(_id(s))
        under = [s for s in found if _id(s) in below and s is not server]
        assert any(_scope(s) == "strawberry" for s in under), f"{name}: no resolver span"
        if name != "ledger":  # the ledger answers recent history from memory (its ring)
            stores = [s for s in under if s.name.startswith("store.")]
            assert stores, f"{name}: no store span under its request"


async def test_a_change_is_one_trace_from_the_upstream_pull_to_the_auditors_subscription(
    spans: InMemorySpanExporter, tmp_path: Path
) -> None:
    async with hub(tmp_path) as h:

        async def synced() -> bool:
            return len(await h.licensing_history()) >= 200

        await eventually(synced, timeout_s=120, what="licensing's initial sync in the ledger")
        async with gtws(h.gateway) as client:
            await client.start(NEW_CHANGES)
            await asyncio.sleep(1.0)  # subscribed before the change (only new entries follow)
            async with h.http.post(f"{h.sims['licensing']}/_admin/aksi/ajukan", json={}) as r:
                assert r.status == 200  # a new permit application upstream
            message = await client.receive()
            assert message["type"] == "next", message
            assert "extensions" not in message["payload"]  # the trace context stays inside
            change = message["payload"]["data"]["changes"]
            event_id = change["event"]["id"]
            await client.send({"id": "a", "type": "complete"})
        [event] = [e for e in await licensing_events(h.log, h.prefix) if e["id"] == event_id]
        # the event carries its trace as the CloudEvents distributed-tracing extension
        _, trace_id, event_span, _ = event["traceparent"].split("-")

        def ours() -> list[ReadableSpan]:
            return [s for s in spans.get_finished_spans() if _trace(s) == trace_id]

        def complete() -> bool:
            delivered = [
                s
                for s in _named(ours(), "ledger.changes.deliver")
                if (s.attributes or {}).get("rumah.seq") == change["seq"]
            ]
            return bool(delivered) and len(_named(ours(), "gateway.fetch")) >= 2

        await eventually(lambda: asyncio.sleep(0, complete()), timeout_s=10, what="all spans")
    found = ours()
    by_id = {_id(s): s for s in found}
    [ingest] = _named(found, "ingest permohonan", "rumah.ingest")
    assert ingest.parent is None  # the pull that saw the change starts the trace
    assert _id(ingest) == event_span or _parent(by_id[event_span]) == _id(ingest)
    assert any(_parent(s) == _id(ingest) for s in _named(found, "store.put"))
    publishes = [s for s in _named(found, "publish ", "rumah.outbox") if _parent(s) == event_span]
    assert publishes, "no relay span under the event's context"
    appends = [s for s in _named(found, "ledger.append") if _parent(s) == _id(publishes[0])]
    assert appends, "the ledger did not continue the Kafka-header context of the relay"
    # (one upstream change may make several events: each is delivered in its own span)
    [deliver] = [
        s
        for s in _named(found, "ledger.changes.deliver")
        if (s.attributes or {}).get("rumah.seq") == change["seq"]
    ]
    assert _parent(deliver) == event_span
    [event_at_gateway] = [
        s for s in _named(found, "gateway.subscription.event") if _parent(s) == _id(deliver)
    ]
    fetches = [s for s in _named(found, "gateway.fetch") if _parent(s) == _id(event_at_gateway)]
    # the rest of the plan for this event: the permit from licensing, its verifier's holder
    assert {(s.attributes or {}).get("rumah.subgraph") for s in fetches} == {
        "licensing",
        "personnel",
    }
