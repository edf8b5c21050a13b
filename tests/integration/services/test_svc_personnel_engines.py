"""Personnel on Kafka + FerretDB: a mutation in SIMPEG → one event, and the new holder."""

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from services.kit.testing import eventually
from services.personnel.bootstrap import SPEC

pytestmark = pytest.mark.integration
PREFIX = "id.go.serdangbedagaikab.personnel.employee."
HOLDERS = """query($id: ID!, $now: DateTime!, $before: DateTime!) { position(id: $id) {
  holder { nip } now: holderAt(at: $now) { nip } before: holderAt(at: $before) { nip } } }"""


async def _moves(hub: Any, nip: str) -> list[dict[str, Any]]:
    return [e for e in await hub.events("employee") if e["subject"] == nip]


async def test_a_mutation_moves_the_holder_and_is_one_event(open_hub: Any) -> None:
    async with open_hub(SPEC) as hub:
        changes = (await hub.admin("aksi/mutasi"))["changed"]
        emp = next(c["record"] for c in changes if c["resource"] == "pegawai")
        new_pos = emp["id_jabatan"]
        old_pos = next(
            c["record"]["id_jabatan_asal"]
            for c in changes
            if c["resource"] == "riwayat_jabatan" and not c["record"]["tmt_selesai"]
        )
        now = datetime.now(UTC)
        times = {"now": now.isoformat(), "before": (now - timedelta(days=1)).isoformat()}

        async def moved() -> bool:
            data = await hub.graphql(HOLDERS, id=new_pos, **times)
            return (data["position"]["holder"] or {}).get("nip") == emp["nip"]

        await eventually(moved, timeout_s=30, what="new holder")
        new = (await hub.graphql(HOLDERS, id=new_pos, **times))["position"]
        assert new["now"] == {"nip": emp["nip"]} and new["before"] is None  # was vacant
        old = (await hub.graphql(HOLDERS, id=old_pos, **times))["position"]
        assert old["holder"] is None and old["now"] is None
        assert old["before"] == {"nip": emp["nip"]}

        async def mutated() -> list[dict[str, Any]]:
            # (the initial sync recorded the employee's earlier placement too: skip it)
            return [
                e
                for e in await _moves(hub, emp["nip"])
                if e["type"] == PREFIX + "mutated" and e["data"]["positionId"] == new_pos
            ]

        [event] = await eventually(mutated, timeout_s=30, what="mutation event")
        assert event["data"]["positionId"] == new_pos
        assert event["data"]["previousPositionId"] == old_pos
        assert event["data"]["kind"] == "transfer" and event["opd"] == "BKD"
        # the upstream pushes the employee record again: no second event
        await hub.admin(f"push/pegawai/{emp['nip']}?times=2")
        await eventually(mutated, timeout_s=3)
        await asyncio.sleep(1.0)
        assert len(await mutated()) == 1


async def test_retirement_vacates_the_position(open_hub: Any) -> None:
    async with open_hub(SPEC) as hub:
        changes = (await hub.admin("aksi/pensiun"))["changed"]
        emp = next(c["record"] for c in changes if c["resource"] == "pegawai")

        async def retired() -> list[dict[str, Any]]:
            return [e for e in await _moves(hub, emp["nip"]) if e["type"] == PREFIX + "retired"]

        [event] = await eventually(retired, timeout_s=30, what="retirement event")
        position = event["data"]["lastPositionId"]
        q = "query($id: ID!) { position(id: $id) { holder { nip } } }"
        assert (await hub.graphql(q, id=position))["position"]["holder"] is None
        q = "query($nip: ID!) { employee(nip: $nip) { status position { id } } }"
        employee = (await hub.graphql(q, nip=emp["nip"]))["employee"]
        assert employee == {"status": "RETIRED", "position": None}
