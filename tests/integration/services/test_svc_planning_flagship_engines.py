"""The flagship question through the gateway, all six services on Kafka + FerretDB:

for one activity — its plan target, its budget and realisasi, its procurement packages and
their stage, and the official now holding the responsible position — in one request; then a
rotation in BKD's SIMPEG and an SP2D issued by BPKD change the answer, without any other
service changing its data.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest

from gateway.app import create_app
from gateway.compose import SubgraphSource, compose
from gateway.settings import GatewaySettings
from services.finance.bootstrap import SPEC as FINANCE
from services.kit.graphql.schema import build_schema, subgraph_sdl
from services.kit.scopes import ROLE_SCOPES
from services.kit.testing import eventually, serve_app
from services.licensing.bootstrap import SPEC as LICENSING
from services.personnel.bootstrap import SPEC as PERSONNEL
from services.planning.bootstrap import SPEC as PLANNING
from services.procurement.bootstrap import SPEC as PROCUREMENT
from services.registry.bootstrap import SPEC as REGISTRY

pytestmark = pytest.mark.integration
SPECS = (PLANNING, FINANCE, PROCUREMENT, LICENSING, PERSONNEL, REGISTRY)
CODE = "1.03.10.2.01"  # Penyelenggaraan Jalan Kabupaten/Kota (PUPR)
FLAGSHIP = """query Flagship($code: ID!) {
  activity(code: $code) {
    code name opd stage
    indicators { name unit target }
    budget { ceiling realisation disbursements { number status } }
    procurementPackages { id stage commitmentOfficer { id holder { nip } } }
    responsiblePosition { id name holder { nip name } }
  }
  application(id: "ebudgeting") { stage owner { id } financeSync { upstreamReachable } }
}"""


@contextlib.asynccontextmanager
async def _gateway(hubs: dict[str, Any], tmp_path: Path) -> AsyncIterator[str]:
    sources = [
        SubgraphSource(s.name, f"{hubs[s.name].url}/graphql", subgraph_sdl(build_schema(s)))
        for s in SPECS
    ]
    result = compose(sources)
    assert not result.errors and result.supergraph_sdl is not None, result.errors
    path = tmp_path / "supergraph.graphql"
    path.write_text(result.supergraph_sdl, encoding="utf-8")
    settings = GatewaySettings(  # type: ignore[call-arg]
        _env_file=None,
        hot_reload=False,
        access_records="off",
        tokens=orjson.dumps(
            {"t": {"role": "auditor", "scopes": sorted(ROLE_SCOPES["auditor"])}}
        ).decode(),
        subgraph_signing_key=next(iter(hubs.values())).keys.private_pem,
    )
    async with serve_app(create_app(settings, path)) as url, aiohttp.ClientSession() as http:

        async def loaded() -> bool:
            async with http.get(f"{url}/health") as r:
                return r.status == 200

        await eventually(loaded, timeout_s=20, what="the gateway loaded its supergraph")
        yield f"{url}/graphql"


async def _ask(http: aiohttp.ClientSession, url: str) -> dict[str, Any]:
    body = {"query": FLAGSHIP, "variables": {"code": CODE}}
    async with http.post(url, json=body, headers={"authorization": "Bearer t"}) as r:
        body = await r.json()
    assert not body.get("errors"), body
    return dict(body["data"])


async def test_the_flagship_query_joins_four_opd_applications_and_follows_changes(
    open_hub: Any, tmp_path: Path
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        hubs = {s.name: await stack.enter_async_context(open_hub(s)) for s in SPECS}
        url = await stack.enter_async_context(_gateway(hubs, tmp_path))
        http = hubs["planning"].http
        data = await _ask(http, url)
        activity = data["activity"]
        kegiatan = hubs["planning"].sim.table("kegiatan").get(CODE)
        assert activity["opd"] == "PUPR" and len(activity["indicators"]) == 2
        assert activity["responsiblePosition"]["id"] == kegiatan["id_jabatan_pptk"]
        assert activity["responsiblePosition"]["name"] == "Kepala Bidang Bina Marga"
        line = hubs["finance"].sim.table("anggaran").get(f"{kegiatan['tahun']}-{CODE}")
        assert Decimal(activity["budget"]["ceiling"]) == Decimal(
            line["pagu"].replace(".", "").replace(",", ".")
        )
        packages = [
            p
            for p in hubs["procurement"].sim.table("paket").records.values()
            if p["kd_keg"] == CODE
        ]
        assert sorted(p["id"] for p in activity["procurementPackages"]) == sorted(
            p["kode_rup"] for p in packages
        )
        assert all(p["commitmentOfficer"]["id"] == "10002" for p in activity["procurementPackages"])
        assert data["application"]["owner"] == {"id": "2010"}
        assert data["application"]["financeSync"] == {"upstreamReachable": True}

        # a rotation in SIMPEG: the same position, another official — nobody else changes
        holder = activity["responsiblePosition"]["holder"]
        params = {"nip_a": holder["nip"]} if holder else {}
        rotated = await hubs["personnel"].admin(
            "aksi/rotasi" if holder else "aksi/pengangkatan", params or {"id_jabatan": "10010"}
        )
        moved = {
            c["record"]["id_jabatan"]: c["record"]["nip"]
            for c in rotated["changed"]
            if c["resource"] == "pegawai"
        }

        async def new_holder() -> bool:
            now = (await _ask(http, url))["activity"]["responsiblePosition"]["holder"]
            return bool(now) and now["nip"] == moved["10010"]

        # generous: six services share two busy cores and one FerretDB in this test
        await eventually(new_holder, timeout_s=60, what="the new PPTK through the gateway")

        # an SP2D issued by BPKD's treasury raises the realisasi seen through the gateway
        drawn = await hubs["finance"].admin(
            "aksi/ajukan_sp2d", {"id_anggaran": line["id_anggaran"]}
        )
        number = drawn["changed"][0]["record"]["nomor_sp2d"]
        await hubs["finance"].admin("aksi/terbitkan_sp2d", {"nomor_sp2d": number})
        before = Decimal(activity["budget"]["realisation"])
        amount = Decimal(
            drawn["changed"][0]["record"]["nilai_sp2d"].replace(".", "").replace(",", ".")
        )

        async def realised() -> bool:
            budget = (await _ask(http, url))["activity"]["budget"]
            issued = {d["number"]: d["status"] for d in budget["disbursements"]}
            return Decimal(budget["realisation"]) == before + amount and issued[number] == "ISSUED"

        await eventually(realised, timeout_s=60, what="the realisasi through the gateway")
