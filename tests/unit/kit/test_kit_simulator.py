"""The upstream simulator framework, through SiCantik's simulator over real HTTP."""

from collections.abc import AsyncIterator

import aiohttp
import pytest

from services.kit.simulator.app import create_simulator_app
from services.kit.simulator.core import Simulator
from services.kit.testing import serve_app
from services.licensing.upstream.workflow import WORKFLOW


def _content(sim: Simulator) -> list[dict[str, object]]:
    return [
        {k: v for k, v in r.items() if k != "diubah_pada"}
        for r in sim.table("permohonan").records.values()
    ]


def test_seeded_data_is_deterministic_and_regional() -> None:
    a, b = Simulator(WORKFLOW, seed=7), Simulator(WORKFLOW, seed=7)
    assert _content(a) == _content(b)
    assert _content(a) != _content(Simulator(WORKFLOW, seed=8))
    rec = next(iter(a.table("permohonan").records.values()))
    assert rec["no_permohonan"].endswith("/DPMPTSP/" + rec["tgl_permohonan"][-4:])
    assert rec["nilai_investasi"].endswith(",00")


@pytest.fixture
async def upstream() -> AsyncIterator[tuple[Simulator, str, aiohttp.ClientSession]]:
    sim = Simulator(WORKFLOW, seed=3)
    async with serve_app(create_simulator_app(sim, rate=0, webhook_url=None)) as url:
        async with aiohttp.ClientSession() as http:
            yield sim, url, http


async def test_paging_and_changed_since(
    upstream: tuple[Simulator, str, aiohttp.ClientSession],
) -> None:
    sim, url, http = upstream
    async with http.get(f"{url}/api/permohonan", params={"halaman": "2", "per_halaman": "50"}) as r:
        body = await r.json()
    assert body["total"] == len(sim.table("permohonan").records)
    assert body["halaman"] == 2 and len(body["data"]) == 50
    async with http.post(f"{url}/_admin/aksi/verifikasi", json={}) as r:
        [changed] = (await r.json())["changed"]
    since = changed["record"]["diubah_pada"]
    async with http.get(f"{url}/api/permohonan", params={"diubah_sejak": since}) as r:
        body = await r.json()
    assert [d["no_permohonan"] for d in body["data"]] == [changed["record"]["no_permohonan"]]
    assert body["data"][0]["kd_status"] == 20


async def test_etag_answers_304_until_something_changes(
    upstream: tuple[Simulator, str, aiohttp.ClientSession],
) -> None:
    sim, url, http = upstream
    async with http.get(f"{url}/api/permohonan") as r:
        etag = r.headers["ETag"]
    async with http.get(f"{url}/api/permohonan", headers={"If-None-Match": etag}) as r:
        assert r.status == 304
    sim.act("ajukan")
    async with http.get(f"{url}/api/permohonan", headers={"If-None-Match": etag}) as r:
        assert r.status == 200


async def test_faults_down_and_500s(upstream: tuple[Simulator, str, aiohttp.ClientSession]) -> None:
    _, url, http = upstream
    async with http.post(f"{url}/_admin/faults", json={"fail_next": 1}):
        pass
    async with http.get(f"{url}/api/permohonan") as r:
        assert r.status == 500
    async with http.get(f"{url}/api/permohonan") as r:
        assert r.status == 200
    async with http.post(f"{url}/_admin/faults", json={"down": True}):
        pass
    async with http.get(f"{url}/health") as r:
        assert r.status == 503
    async with http.post(f"{url}/_admin/faults", json={"down": False}):
        pass
    async with http.get(f"{url}/health") as r:
        assert r.status == 200


async def test_impossible_actions_are_refused(
    upstream: tuple[Simulator, str, aiohttp.ClientSession],
) -> None:
    _, url, http = upstream
    async with http.post(f"{url}/_admin/aksi/setujui", json={"no_permohonan": "nope"}) as r:
        assert r.status == 422
    async with http.post(f"{url}/_admin/aksi/terbang", json={}) as r:
        assert r.status == 422
