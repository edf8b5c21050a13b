"""Licensing on Kafka + FerretDB: upstream change → canonical state → exactly one event."""

import asyncio
from typing import Any

import pytest

from services.kit.testing import eventually
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"
PERMIT = "query($id: ID!) { permitApplication(id: $id) { status verifier { id } slaBreached } }"
SYNC = "{ licensingSyncStatus { upstreamReachable quarantinedCount lastError schemaDrift } }"


async def _status_events(hub: Any, permit_id: str) -> list[dict[str, Any]]:
    events = await hub.events("permit")
    return [e for e in events if e["subject"] == permit_id and e["type"] == STATUS]


async def test_a_status_move_reaches_the_log_exactly_once_despite_replays(open_hub: Any) -> None:
    async with open_hub(SPEC) as hub:
        [changed] = (await hub.admin("aksi/verifikasi"))["changed"]
        pid = changed["record"]["no_permohonan"]

        async def verified() -> bool:
            data = await hub.graphql(PERMIT, id=pid)
            return data["permitApplication"]["status"] == "VERIFIED"

        await eventually(verified, timeout_s=30, what="verified in canonical state")
        # the upstream re-sends the same version three times, then an older version
        await hub.admin(f"push/permohonan/{pid}?times=3")
        await hub.admin(f"push/permohonan/{pid}?back=1")

        async def relayed() -> list[dict[str, Any]]:
            found = await _status_events(hub, pid)
            return found if len(found) >= 2 else []

        await eventually(relayed, timeout_s=30, what="both status events on the log")
        await asyncio.sleep(1.5)  # several pull cycles and webhook deliveries more
        assert (await hub.graphql(PERMIT, id=pid))["permitApplication"]["status"] == "VERIFIED"
        events = await _status_events(hub, pid)
        assert [(e["data"]["from"], e["data"]["to"]) for e in events] == [
            (None, "submitted"),
            ("submitted", "verified"),
        ]
        assert [e["entityversion"] for e in events] == sorted(e["entityversion"] for e in events)
        assert len({e["id"] for e in events}) == 2


async def test_a_down_upstream_degrades_readiness_and_recovers(open_hub: Any) -> None:
    async with open_hub(SPEC) as hub:
        await hub.admin("faults", {"down": True})
        [changed] = (await hub.admin("aksi/ajukan"))["changed"]  # happens while we cannot see it
        pid = changed["record"]["no_permohonan"]

        async def degraded() -> bool:
            status, body = await hub.ready()
            return status == 503 and "upstream" in body["failing"]

        await eventually(degraded, timeout_s=30, what="degraded readiness")
        sync = (await hub.graphql(SYNC))["licensingSyncStatus"]
        assert sync["upstreamReachable"] is False and "503" in sync["lastError"]
        await hub.admin("faults", {"down": False})

        async def recovered() -> bool:
            status, _ = await hub.ready()
            return status == 200

        await eventually(recovered, timeout_s=30, what="readiness after recovery")
        await eventually(lambda: _status_events(hub, pid), timeout_s=30, what="missed change")
        assert len(await _status_events(hub, pid)) == 1


async def test_malformed_records_are_quarantined_while_the_service_runs(open_hub: Any) -> None:
    async with open_hub(SPEC) as hub:
        garbage = {
            "no_permohonan": "503/9999/DPMPTSP/2026",
            "jenis_izin": 1,
            "kd_status": 10,
            "nilai_investasi": "sejuta",
            "versi": 1,
            "kolom_baru": "x",
        }
        await hub.admin("inject/permohonan", garbage)
        await hub.admin("aksi/ajukan")

        async def held() -> list[Any]:
            q = "{ licensingQuarantine { upstreamId reason raw count } }"
            return list((await hub.graphql(q))["licensingQuarantine"])

        [entry] = await eventually(held, timeout_s=30, what="quarantine entry")
        assert entry["upstreamId"] == "503/9999/DPMPTSP/2026"
        assert "missing required field 'nama_pemohon'" in entry["reason"]
        assert "sejuta" in entry["raw"]
        sync = (await hub.graphql(SYNC))["licensingSyncStatus"]
        assert sync["quarantinedCount"] == 1 and sync["upstreamReachable"] is True
        assert (await hub.ready())[0] == 200
        assert not await _status_events(hub, "503/9999/DPMPTSP/2026")
