"""The service app over HTTP on the embedded adapters: webhook, readiness, sync status,
and the Application extension every service contributes."""

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from permit_records import permohonan

from services.kit.app import create_app
from services.kit.backends import BackendSettings
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, scrape_metrics, serve_app
from services.kit.webhooks import sign
from services.licensing.bootstrap import SPEC

KEYS = SigningKeys()
SECRET = "whsec_" + base64.b64encode(b"rahasia-aplikasi-perizinan-32byt").decode()


async def push(
    http: aiohttp.ClientSession, url: str, resource: str, body: Any, **options: Any
) -> aiohttp.ClientResponse:
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    headers = {"content-type": "application/json", **sign(SECRET, raw, **options)}
    async with http.post(f"{url}/webhook/{resource}", data=raw, headers=headers) as r:
        await r.read()
        return r


AUDITOR = KEYS.headers("licensing")


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[str, Simulator, aiohttp.ClientSession]]:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path),
        poll_interval_s=0.05,
        upstream_timeout_s=0.5,
        upstream_backoff_max_s=0.2,
        webhook_secret=SECRET,
        subgraph_auth=KEYS.subgraph_settings(),
    )
    sim = Simulator(SPEC.workflow, seed=2)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as sim_url,
        serve_app(create_app(SPEC, settings, sim_url)) as url,
        aiohttp.ClientSession() as http,
    ):
        yield url, sim, http


async def _status(http: aiohttp.ClientSession, url: str) -> int:
    async with http.get(f"{url}/health/ready") as r:
        return r.status


async def test_readiness_follows_the_upstream(service: Any) -> None:
    url, sim, http = service
    await eventually(lambda: _is(http, url, 200), timeout_s=20, what="ready")
    sim.faults.down = True
    await eventually(lambda: _is(http, url, 503), timeout_s=10, what="degraded")
    async with http.get(f"{url}/health/ready") as r:
        body = await r.json()
    assert body["status"] == "degraded" and "503" in body["failing"]["upstream"]
    async with http.get(f"{url}/health/live") as r:
        assert r.status == 200
    sim.faults.down = False
    await eventually(lambda: _is(http, url, 200), timeout_s=10, what="ready again")


async def _is(http: aiohttp.ClientSession, url: str, status: int) -> bool:
    return await _status(http, url) == status


async def test_the_webhook_applies_pushed_records_and_checks_the_token(service: Any) -> None:
    url, _, http = service
    await eventually(lambda: _is(http, url, 200), timeout_s=20, what="ready")
    body = {"data": [permohonan(no_permohonan="503/7777/DPMPTSP/2026")]}
    async with http.post(f"{url}/webhook/permohonan", json=body) as r:
        assert r.status == 401
    r = await push(http, url, "permohonan", body)
    assert r.status == 200
    assert (await r.json())["applied"] == 1
    r = await push(http, url, "permohonan", body)  # a new message with the same record
    assert (await r.json())["duplicates"] == 1
    r = await push(http, url, "nope", body)
    assert r.status == 404
    r = await push(http, url, "permohonan", b"{")
    assert r.status == 400
    q = '{ permitApplication(id: "503/7777/DPMPTSP/2026") { status verifier { id } } }'
    async with http.post(f"{url}/graphql", json={"query": q}, headers=AUDITOR) as r:
        data = (await r.json())["data"]
    assert data == {"permitApplication": {"status": "SUBMITTED", "verifier": {"id": "4041"}}}


async def test_application_sync_status_is_answered_for_our_application_only(service: Any) -> None:
    url, _, http = service
    await eventually(lambda: _is(http, url, 200), timeout_s=20, what="ready")
    q = """query($r: [_Any!]!) { _entities(representations: $r) { ... on Application {
      id licensingSync { service applicationId upstreamReachable lastSyncAt } } } }"""
    reps = [
        {"__typename": "Application", "id": "sicantik"},
        {"__typename": "Application", "id": "simpeg"},
    ]
    body = {"query": q, "variables": {"r": reps}}
    async with http.post(f"{url}/graphql", json=body, headers=AUDITOR) as r:
        ours, other = (await r.json())["data"]["_entities"]
    assert ours["licensingSync"]["applicationId"] == "sicantik"
    assert ours["licensingSync"]["upstreamReachable"] is True
    assert ours["licensingSync"]["lastSyncAt"] is not None
    assert other == {"id": "simpeg", "licensingSync": None}
    async with http.get(f"{url}/sync") as r:
        sync = await r.json()
    assert sync["resources"]["permohonan"]["reachable"] is True
    assert sync["resources"]["permohonan"]["records_seen"] >= len(SPEC.workflow.weights)
    assert sync["reconciliation"] is not None  # on by default (its first pass after an hour)
    assert (sync["reconciliation"]["passes"], sync["reconciliation"]["running"]) == (0, False)


async def test_metrics_count_what_the_service_did_and_show_an_upstream_outage(
    service: Any,
) -> None:
    url, sim, http = service
    await eventually(lambda: _is(http, url, 200), timeout_s=20, what="ready")
    svc = ("service", "licensing")
    res = frozenset({svc, ("resource", "permohonan")})

    def outcome(name: str) -> tuple[str, frozenset[Any]]:
        return "rumah_ingest_records_total", res | {("outcome", name)}

    async def pull_idle() -> dict[tuple[str, frozenset[Any]], float]:
        # the pass after the first sync still re-reads the newest record (a duplicate)
        def counts(m: dict[tuple[str, frozenset[Any]], float]) -> dict[Any, float]:
            return {k: v for k, v in m.items() if k[0] == "rumah_ingest_records_total"}

        first = await scrape_metrics(http, url)
        await asyncio.sleep(0.3)
        second = await scrape_metrics(http, url)
        return second if counts(first) == counts(second) else {}

    before = await eventually(pull_idle, timeout_s=10, what="the pull idle")
    assert before[("rumah_service_up", frozenset({svc}))] == 1
    assert before[("rumah_upstream_reachable", res)] == 1
    assert before[("rumah_dependency_up", frozenset({svc, ("dependency", "store")}))] == 1
    assert before[outcome("applied")] > 0  # the first sync
    good = {"data": [permohonan(no_permohonan="503/8888/DPMPTSP/2026")]}
    bad = {"data": [{"no_permohonan": "503/8889/DPMPTSP/2026"}]}  # required fields missing
    for body in (good, good, bad):
        assert (await push(http, url, "permohonan", body)).status == 200
    after = await scrape_metrics(http, url)
    assert after[outcome("applied")] == before[outcome("applied")] + 1
    # (+ at least one: the pull may also re-read a record at its cursor boundary meanwhile)
    assert after[outcome("duplicates")] >= before[outcome("duplicates")] + 1
    assert after[outcome("quarantined")] == before[outcome("quarantined")] + 1
    assert after[("rumah_quarantine_open", frozenset({svc}))] >= 1
    assert after[("rumah_events_written_total", res)] > before[("rumah_events_written_total", res)]

    async def relayed_all() -> bool:
        m = await scrape_metrics(http, url)
        return (
            m[("rumah_outbox_relayed_total", frozenset({svc}))]
            >= m[("rumah_events_written_total", res)]
        )

    await eventually(relayed_all, timeout_s=10, what="the relay caught up")
    sim.faults.down = True

    async def outage_seen() -> bool:
        return (await scrape_metrics(http, url))[("rumah_upstream_reachable", res)] == 0

    await eventually(outage_seen, timeout_s=10, what="the outage in /metrics")
    assert (await scrape_metrics(http, url))[("rumah_upstream_errors_total", res)] >= 1


async def test_a_request_id_is_kept_or_made_and_returned(service: Any) -> None:
    url, _, http = service
    query = {"query": "{ __typename }"}
    headers = {**AUDITOR, "X-Request-Id": "req-abc"}
    async with http.post(f"{url}/graphql", json=query, headers=headers) as r:
        assert (r.status, r.headers["x-request-id"]) == (200, "req-abc")
    headers = {**AUDITOR, "X-Request-Id": "a b"}
    async with http.post(f"{url}/graphql", json=query, headers=headers) as r:
        made = r.headers["x-request-id"]
    async with http.get(f"{url}/health/live") as r:
        assert made != "a b" and len(made) == 32 and r.headers["x-request-id"] != made
