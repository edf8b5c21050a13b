"""The auditor's story end to end, on the embedded adapters (the engine-level faults are in
tests/integration/ledger): licensing and personnel run with their upstream simulators, the
ledger consumes their status events, and the production gateway fronts the three subgraphs
with bearer tokens. An auditor subscribes over graphql-transport-ws through the gateway to
licensing changes since a date: the replay arrives, then live events, each with its permit
resolved from licensing and the verifier position's current holder from personnel; events
published while the replay runs arrive once each, in ledger order, with no gap."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import orjson
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from gateway.app import create_app as create_gateway
from gateway.compose import SubgraphSource, compose
from gateway.settings import GatewaySettings
from rumah.access_sink import open_sink
from services.kit.app import create_app as create_service
from services.kit.backends import BackendSettings, open_backends
from services.kit.envelope import decode, encode
from services.kit.graphql.schema import build_schema, subgraph_sdl
from services.kit.ports import EventLog, read_to_end
from services.kit.scopes import ROLE_SCOPES
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.spec import ServiceSpec
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, serve_app
from services.ledger.app import create_app as create_ledger
from services.ledger.bootstrap import subgraph_sdl as ledger_sdl
from services.ledger.settings import LedgerSettings
from services.licensing.bootstrap import SPEC as LICENSING
from services.personnel.bootstrap import SPEC as PERSONNEL

KEYS = SigningKeys()  # the gateway signs subgraph credentials with it; subgraphs trust it
TOKENS = orjson.dumps(
    {
        "audit-token": {"role": "auditor", "scopes": sorted(ROLE_SCOPES["auditor"])},
        "app-token": {
            "role": "integrator",
            "opd": "DPMPTSP",
            "scopes": sorted(ROLE_SCOPES["integrator"]),
        },
    }
).decode()
CHANGES = """subscription($since: String) {
  changes(filter: {service: "licensing"}, since: $since) {
    seq hash
    event { id subject data }
    subject { ... on PermitApplication { id status verifier { id holder { nip name } } } }
  } }"""
HISTORY = """query($after: String) {
  history(filter: {service: "licensing"}, after: $after, first: 500) {
    edges { node { seq event { id } } } pageInfo { endCursor hasNextPage } head } }"""
HOLDER = "query($id: ID!) { position(id: $id) { holder { nip } } }"


@dataclass
class Hub:
    gateway: str  # http://…/graphql
    http: aiohttp.ClientSession
    log: EventLog
    prefix: str
    sims: dict[str, str]

    async def ask(self, query: str, token: str | None = "audit-token", **variables: Any) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        payload = {"query": query, "variables": variables}
        async with self.http.post(self.gateway, json=payload, headers=headers) as r:
            body = await r.json()
            if r.status != 200:
                return r.status
        assert not body.get("errors"), body
        return body["data"]

    async def licensing_history(self) -> list[tuple[int, str]]:
        out, after = [], None
        for _ in range(100):
            page = (await self.ask(HISTORY, after=after))["history"]
            out += [(e["node"]["seq"], e["node"]["event"]["id"]) for e in page["edges"]]
            after = page["pageInfo"]["endCursor"]
            if not page["pageInfo"]["hasNextPage"]:
                return out
        raise AssertionError("history did not end")


@contextlib.asynccontextmanager
async def service(
    spec: ServiceSpec, backends: BackendSettings, prefix: str
) -> AsyncIterator[tuple[str, str]]:
    settings = ServiceSettings(
        backends=backends,
        db=spec.name,
        topic_prefix=prefix,
        poll_interval_s=0.2,
        upstream_timeout_s=1.0,
        upstream_backoff_max_s=0.5,
        subgraph_auth=KEYS.subgraph_settings(),
    )
    sim = Simulator(spec.workflow, seed=7)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as sim_url,
        serve_app(create_service(spec, settings, sim_url)) as url,
    ):
        yield url, sim_url


@contextlib.asynccontextmanager
async def hub(tmp_path: Path, **gateway_settings: Any) -> AsyncIterator[Hub]:
    backends = BackendSettings(backend="embedded", data_dir=tmp_path, log_partitions=2)
    prefix = f"g{uuid.uuid4().hex[:8]}"
    ledger_settings = LedgerSettings(
        backends=backends,
        db="ledger",
        topic_prefix=prefix,
        subgraph_auth=KEYS.subgraph_settings(),
        segment_size=20,
        query_max_segments=1,
        poll_interval_s=0.2,
        batch_max=50,
    )
    async with contextlib.AsyncExitStack() as stack:
        _, log = await stack.enter_async_context(open_backends(backends, db="publisher"))
        urls = {}
        for spec in (LICENSING, PERSONNEL):
            urls[spec.name] = await stack.enter_async_context(service(spec, backends, prefix))
        urls["ledger"] = (
            await stack.enter_async_context(serve_app(create_ledger(ledger_settings))),
            "",
        )
        sources = [
            SubgraphSource(s.name, f"{urls[s.name][0]}/graphql", subgraph_sdl(build_schema(s)))
            for s in (LICENSING, PERSONNEL)
        ]
        sources.append(SubgraphSource("ledger", f"{urls['ledger'][0]}/graphql", ledger_sdl()))
        result = compose(sources)
        assert not result.errors and result.supergraph_sdl is not None, result.errors
        path = tmp_path / "supergraph.graphql"
        path.write_text(result.supergraph_sdl, encoding="utf-8")
        gateway_settings.setdefault("tokens", TOKENS)
        settings = GatewaySettings(
            _env_file=None,
            hot_reload=False,  # type: ignore[call-arg]
            subgraph_signing_key=KEYS.private_pem,
            ws_keepalive_interval=0,
            **gateway_settings,
        )
        sink = await stack.enter_async_context(open_sink(prefix, backends))  # records → the log
        url = await stack.enter_async_context(
            serve_app(create_gateway(settings, path, access_sink=sink))
        )
        http = await stack.enter_async_context(aiohttp.ClientSession())

        async def loaded() -> bool:
            async with http.get(f"{url}/health") as r:
                return r.status == 200

        await eventually(loaded, timeout_s=30, what="the gateway loaded its supergraph")

        async def ledger_ready() -> bool:  # its store opens after the app starts serving
            async with http.get(f"{urls['ledger'][0]}/health/ready") as r:
                return r.status == 200

        await eventually(ledger_ready, timeout_s=30, what="the ledger recovered its head")
        yield Hub(
            f"{url}/graphql",
            http,
            log,
            prefix,
            {name: sim for name, (_, sim) in urls.items() if sim},
        )


class Gtws:
    """A minimal graphql-transport-ws client (answers pings)."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws

    async def send(self, message: dict[str, Any]) -> None:
        await self.ws.send(orjson.dumps(message).decode())

    async def receive(self, timeout_s: float | None = 60) -> dict[str, Any]:
        while True:
            message: dict[str, Any] = orjson.loads(
                await asyncio.wait_for(self.ws.recv(), timeout_s)
            )
            if message["type"] != "ping":
                return message
            await self.send({"type": "pong"})

    async def start(self, query: str, op: str = "a", **variables: Any) -> None:
        await self.send(
            {"type": "connection_init", "payload": {"Authorization": "Bearer audit-token"}}
        )
        assert (await self.receive())["type"] == "connection_ack"
        await self.send(
            {"id": op, "type": "subscribe", "payload": {"query": query, "variables": variables}}
        )


@contextlib.asynccontextmanager
async def gtws(url: str, **options: Any) -> AsyncIterator[Gtws]:
    ws_url = url.replace("http://", "ws://")
    protocols = [Subprotocol("graphql-transport-ws")]
    async with connect(ws_url, subprotocols=protocols, **options) as ws:
        yield Gtws(ws)


async def licensing_events(log: EventLog, prefix: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async for records in read_to_end(log, [f"{prefix}.licensing.permit"]):
        found += [decode(r.value) for r in records]
    return found


async def test_an_auditor_follows_licensing_through_the_gateway_replay_then_live(
    tmp_path: Path,
) -> None:
    since = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    async with hub(tmp_path) as h:
        assert await h.ask("{ ledgerHead { seq } }", token=None) == 401

        async def synced() -> bool:
            return len(await h.licensing_history()) >= 200  # the initial sync of 240 permits

        await eventually(synced, timeout_s=120, what="licensing's initial sync in the ledger")
        # an integrator token sees only its own OPD's entries (DPMPTSP: licensing's)
        scoped = await h.ask(
            "{ history(first: 500) { edges { node { event { opd } } } } }", token="app-token"
        )
        opds = {e["node"]["event"]["opd"] for e in scoped["history"]["edges"]}
        assert opds == {"DPMPTSP"}, opds
        replayed = await h.licensing_history()  # at least this much is replay
        # more status events for real permits (copies with new ids), published during the replay
        copies = [
            {**ev, "id": str(uuid.uuid4())} for ev in (await licensing_events(h.log, h.prefix))[:60]
        ]
        copy_ids = {ev["id"] for ev in copies}
        got: list[dict[str, Any]] = []
        first_received = asyncio.Event()
        async with gtws(h.gateway) as client:
            await client.start(CHANGES, since=since)

            async def read() -> None:
                while True:
                    # a quiet feed is not a failure here: the waits below bound the test
                    # (a 60 s idle limit raced the last entry arriving after a slow append)
                    message = await client.receive(timeout_s=None)
                    assert message["type"] == "next" and not message["payload"].get("errors"), (
                        message
                    )
                    got.append(message["payload"]["data"]["changes"])
                    first_received.set()

            reader = asyncio.create_task(read())
            await asyncio.wait_for(first_received.wait(), 60)
            received_when_publishing = len(got)
            for ev in copies:
                await h.log.publish(f"{h.prefix}.licensing.permit", ev["subject"], encode(ev))
            for action in ("ajukan", "verifikasi", "ajukan"):  # and real upstream changes
                async with h.http.post(f"{h.sims['licensing']}/_admin/aksi/{action}", json={}) as r:
                    assert r.status == 200

            async def copies_appended() -> list[tuple[int, str]]:
                found = await h.licensing_history()
                return found if copy_ids <= {eid for _, eid in found} else []

            expected = await eventually(copies_appended, timeout_s=60, what="copies appended")

            async def all_received() -> bool:
                if reader.done():
                    reader.result()  # a failed assertion in the reader
                return bool(got) and got[-1]["seq"] >= expected[-1][0]

            try:
                await eventually(all_received, timeout_s=60, what="every entry received")
            except AssertionError as exc:
                last = got[-1]["seq"] if got else None
                raise AssertionError(
                    f"{exc}: {len(got)} received, last seq {last}, wanted {expected[-1][0]}"
                ) from exc
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            await client.send({"id": "a", "type": "complete"})
        holders = {g["subject"]["verifier"]["id"]: g["subject"]["verifier"]["holder"] for g in got}
        for position, holder in holders.items():  # the current holder, as personnel says
            now = (await h.ask(HOLDER, id=position))["position"]
            assert (now or {}).get("holder") == (holder and {"nip": holder["nip"]}), position
        assert any(holders.values()), holders

    seqs = [g["seq"] for g in got]
    assert received_when_publishing < len(replayed)  # the replay was still being sent
    assert seqs[: len(expected)] == [seq for seq, _ in expected]  # no gap, no duplicate, ordered
    assert len(seqs) == len(set(seqs))
    assert copy_ids <= {g["event"]["id"] for g in got}  # the live part arrived
    for g in got:  # each permit resolved by licensing, its verifier by personnel
        permit = g["subject"]
        assert permit["id"] == g["event"]["subject"] and permit["status"]
        assert permit["verifier"]["id"] == g["event"]["data"]["verifierPositionId"]


FEED = """subscription($since: String) {
  changes(filter: {service: "licensing"}, since: $since) {
    seq hash prevHash recordedAt event { id type source subject time data } } }"""


def small_receive_window(url: str) -> socket.socket:
    """A connected socket with a tiny receive buffer: a client that does not read pushes
    back on the gateway after kilobytes instead of megabytes of kernel buffers."""
    parts = urlsplit(url)
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.connect((parts.hostname, parts.port))
    sock.setblocking(False)
    return sock


async def test_a_slow_ledger_subscriber_is_closed_and_another_keeps_receiving(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="gateway.subscriptions")
    async with hub(
        tmp_path, ws_send_buffer_messages=16, ws_send_buffer_bytes=64 * 1024, ws_close_timeout=60
    ) as h:

        async def synced() -> bool:
            return len(await h.licensing_history()) >= 200

        await eventually(synced, timeout_s=120, what="licensing's initial sync in the ledger")
        originals = await licensing_events(h.log, h.prefix)
        topic = f"{h.prefix}.licensing.permit"

        async def publish_copies(count: int, size: int = 0) -> set[str]:
            """Copies of real status events with new ids; ``size``: a permit type that long
            (valid by the schema), so the burst outgrows kernel and transport buffers."""
            copies = []
            for i in range(count):
                ev = originals[i % len(originals)]
                data = {**ev["data"], "permitType": "P" * size} if size else ev["data"]
                copies.append({**ev, "id": str(uuid.uuid4()), "data": data})
            await h.log.publish_many(topic, [(ev["subject"], encode(ev)) for ev in copies])
            return {ev["id"] for ev in copies}

        async with gtws(h.gateway) as fast:
            await fast.start(FEED, "f")  # live only
            await asyncio.sleep(0.5)  # let the live feed start (no replay asked)
            sock = small_receive_window(h.gateway)
            async with gtws(h.gateway, sock=sock, max_queue=1, compression=None) as slow:
                await slow.start(FEED, "s", since="0")  # replay everything, and never read
                burst = await publish_copies(500, size=16_384)
                seen: set[str] = set()
                while not burst <= seen:  # the fast one keeps up throughout
                    message = await fast.receive()
                    seen.add(message["payload"]["data"]["changes"]["event"]["id"])
                await wait_logged(caplog, "subscriptions.slow_consumer")
                after = await publish_copies(5)
                while not after <= seen:  # …and after the slow one was given up
                    message = await fast.receive()
                    seen.add(message["payload"]["data"]["changes"]["event"]["id"])
                with pytest.raises(ConnectionClosed) as closed:
                    for _ in range(100_000):  # what was in flight, then the close
                        message = await slow.receive()
                        assert (message["id"], message["type"]) == ("s", "next")
                assert closed.value.rcvd is not None
                assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (
                    4413,
                    "Slow consumer: outgoing buffer exceeded",
                )
            await fast.send({"type": "ping"})
            assert (await fast.receive())["type"] == "pong"
    [record] = [r for r in caplog.records if r.getMessage() == "subscriptions.slow_consumer"]
    assert record.__dict__["waiting_frames"] <= 16


async def wait_logged(caplog: pytest.LogCaptureFixture, event: str) -> None:
    for _ in range(600):
        if any(r.getMessage() == event for r in caplog.records):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{event} never logged")
