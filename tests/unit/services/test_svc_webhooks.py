"""Signed pushes (Standard Webhooks): only a push signed with the application's secret,
within the replay window, is applied, and only once; refusals are 401 and counted; the
simulators sign what they push."""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from permit_records import permohonan

from rumah.common.secret_settings import SecretSettingError
from services.kit.app import create_app
from services.kit.backends import BackendSettings
from services.kit.settings import ServiceSettings
from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.test_credentials import SigningKeys
from services.kit.testing import eventually, scrape_metrics, serve_app
from services.kit.webhooks import WebhookReceiver, WebhookRefused, load_secret, sign
from services.licensing.bootstrap import SPEC

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER = "whsec_" + base64.b64encode(b"another-application-secret-3210").decode()
KEYS = SigningKeys()


def body(n: int) -> bytes:
    return orjson.dumps({"data": [permohonan(no_permohonan=f"503/{n}/DPMPTSP/2026")]})


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[tuple[str, aiohttp.ClientSession]]:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path),
        webhook_secret=SECRET,
        pull=False,
        subgraph_auth=KEYS.subgraph_settings(),
    )  # type: ignore[call-arg]
    sim = Simulator(SPEC.workflow, seed=3)
    async with (
        serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as sim_url,
        serve_app(create_app(SPEC, settings, sim_url)) as url,
        aiohttp.ClientSession() as http,
    ):
        await eventually(lambda: _ready(http, url), timeout_s=20, what="ready")
        yield url, http


async def _ready(http: aiohttp.ClientSession, url: str) -> bool:
    async with http.get(f"{url}/health/ready") as r:
        return r.status == 200


async def post(http: aiohttp.ClientSession, url: str, raw: bytes, headers: Any) -> tuple[int, Any]:
    headers = {"content-type": "application/json", **headers}
    async with http.post(f"{url}/webhook/permohonan", data=raw, headers=headers) as r:
        return r.status, await r.json()


def forged(raw: bytes) -> dict[str, dict[str, str]]:
    good = sign(SECRET, raw)
    return {
        "unsigned": {},
        "no signature": {k: v for k, v in good.items() if k != "webhook-signature"},
        "no timestamp": {k: v for k, v in good.items() if k != "webhook-timestamp"},
        "another secret": sign(OTHER, raw),
        "signed for another body": sign(SECRET, body(999_999)),
        "another id": {**good, "webhook-id": "msg_other"},
        "v2 only": {**good, "webhook-signature": good["webhook-signature"].replace("v1,", "v2,")},
        "garbage signature": {**good, "webhook-signature": "v1,!!!not base64"},
        "no comma": {**good, "webhook-signature": "v1"},
        "bad timestamp": {**good, "webhook-timestamp": "yesterday"},
        "old token header": {"x-rumah-token": "rahasia"},
        "stale": sign(SECRET, raw, at=time.time() - 600),
        "from the future": sign(SECRET, raw, at=time.time() + 600),
    }


async def test_only_a_correctly_signed_fresh_push_is_applied(service: Any) -> None:
    url, http = service
    raw = body(1)
    for what, headers in forged(raw).items():
        status, answer = await post(http, url, raw, headers)
        assert status == 401, what
        assert answer["error"].startswith("push refused"), what
    status, answer = await post(http, url, raw, sign(SECRET, raw))
    assert (status, answer["applied"]) == (200, 1)
    metrics = await scrape_metrics(http, url)
    svc = ("service", "licensing")

    def refused(reason: str) -> float:
        return metrics[("rumah_webhook_refused_total", frozenset({svc, ("reason", reason)}))]

    assert refused("unsigned") == 4  # unsigned, no signature, no timestamp, the old header
    assert refused("stale") == 2
    assert refused("bad_signature") == 7


async def test_a_replayed_message_is_answered_but_not_applied_again(service: Any) -> None:
    url, http = service
    raw = body(2)
    headers = sign(SECRET, raw)
    assert (await post(http, url, raw, headers))[1]["applied"] == 1
    status, answer = await post(http, url, raw, headers)  # the same webhook-id again
    assert (status, answer) == (200, {"duplicate": True})
    metrics = await scrape_metrics(http, url)
    assert metrics[("rumah_webhook_replays_total", frozenset({("service", "licensing")}))] == 1


async def test_a_non_utf8_or_non_json_body_is_refused_or_rejected_cleanly(service: Any) -> None:
    url, http = service
    status, _ = await post(http, url, b"\xff\xfe", {**sign(SECRET, b"x"), "webhook-id": "m"})
    assert status == 401
    raw = b"{not json"
    status, answer = await post(http, url, raw, sign(SECRET, raw))
    assert (status, answer) == (400, {"error": "body is not JSON"})


async def test_without_a_secret_every_push_is_refused(tmp_path: Path) -> None:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path), subgraph_auth=KEYS.subgraph_settings()
    )  # type: ignore[call-arg]
    async with serve_app(create_app(SPEC, settings, "http://127.0.0.1:1")) as url:
        async with aiohttp.ClientSession() as http:
            raw = body(3)
            status, answer = await post(http, url, raw, sign(SECRET, raw))
    assert (status, answer) == (401, {"error": "push refused: unconfigured"})


def test_a_failed_apply_can_be_retried_with_the_same_id() -> None:
    receiver = WebhookReceiver(SECRET, clock=lambda: 0.0)
    raw = body(4)
    headers = sign(SECRET, raw)
    assert receiver.verify(raw, headers) == headers["webhook-id"]  # e.g. the store was down
    assert receiver.verify(raw, headers) == headers["webhook-id"]  # so the retry is applied
    receiver.applied(headers["webhook-id"])
    assert receiver.verify(raw, headers) is None


def test_ids_are_forgotten_only_after_the_replay_window() -> None:
    now = [0.0]
    receiver = WebhookReceiver(SECRET, clock=lambda: now[0])
    raw = body(5)
    headers = sign(SECRET, raw)
    receiver.applied(headers["webhook-id"])
    now[0] = 599.0
    assert receiver.verify(raw, headers) is None
    now[0] = 601.0  # the library refuses the timestamp long before this in real time
    assert receiver.verify(raw, headers) == headers["webhook-id"]


@pytest.mark.parametrize("raw", ["whsec_", "whsec_!!", "s3cret-not-base64!", "/nonexistent/s3cret"])
def test_a_bad_secret_stops_start_up_without_showing_it(raw: str) -> None:
    with pytest.raises(SecretSettingError) as info:
        load_secret(raw, "RUMAH_LICENSING_WEBHOOK_SECRET")
    assert "s3cret" not in str(info.value)


def test_refusals_name_their_reason() -> None:
    receiver = WebhookReceiver(SECRET)
    with pytest.raises(WebhookRefused) as info:
        receiver.verify(b"{}", {})
    assert info.value.reason == "unsigned" and receiver.refused["unsigned"] == 1


async def test_the_simulator_pushes_signed_changes_the_service_applies(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path),
        webhook_secret=SECRET,
        pull=False,
        subgraph_auth=KEYS.subgraph_settings(),
    )  # type: ignore[call-arg]
    sim = Simulator(SPEC.workflow, seed=4)
    sim_app = create_simulator_app(
        sim, rate=0, webhook_url=f"http://127.0.0.1:{port}/webhook", webhook_secret=SECRET
    )
    async with (
        serve_app(sim_app) as sim_url,
        serve_app(create_app(SPEC, settings, sim_url), port=port) as url,
        aiohttp.ClientSession() as http,
    ):
        await eventually(lambda: _ready(http, url), timeout_s=20, what="ready")
        async with http.post(f"{sim_url}/_admin/aksi/ajukan", json={}) as r:
            changed = (await r.json())["changed"]
        rid = changed[0]["record"]["no_permohonan"]
        query = {"query": f'{{ permitApplication(id: "{rid}") {{ status }} }}'}
        headers = KEYS.headers("licensing")

        async def arrived() -> bool:
            async with http.post(f"{url}/graphql", json=query, headers=headers) as r:
                return bool((await r.json())["data"]["permitApplication"])

        await eventually(arrived, timeout_s=20, what="the signed push applied (pull is off)")
        metrics = await scrape_metrics(http, url)
        refused = [v for (name, _), v in metrics.items() if name == "rumah_webhook_refused_total"]
        assert sum(refused) == 0


def test_during_a_rotation_either_secret_is_accepted() -> None:
    both = load_secret(f"{SECRET} {OTHER}", "RUMAH_LICENSING_WEBHOOK_SECRET")
    receiver = WebhookReceiver(both)
    for secret in (SECRET, OTHER):
        raw = body(6)
        assert receiver.verify(raw, sign(secret, raw)) is not None
    third = "whsec_" + base64.b64encode(b"a-third-secret-nobody-configured").decode()
    with pytest.raises(WebhookRefused):
        receiver.verify(body(7), sign(third, body(7)))


async def test_an_oversized_push_is_refused_before_it_is_read(tmp_path: Path) -> None:
    settings = ServiceSettings(
        backends=BackendSettings(data_dir=tmp_path),
        webhook_secret=SECRET,
        pull=False,
        subgraph_auth=KEYS.subgraph_settings(),
        webhook_max_bytes=1000,
    )  # type: ignore[call-arg]
    async with serve_app(create_app(SPEC, settings, "http://127.0.0.1:1")) as url:
        async with aiohttp.ClientSession() as http:
            raw = b'{"data": [' + b" " * 2000 + b"]}"
            status, answer = await post(http, url, raw, sign(SECRET, raw))
    assert (status, answer) == (413, {"error": "push too large"})
