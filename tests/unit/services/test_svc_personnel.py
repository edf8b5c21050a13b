"""Personnel: mutations, appointments and retirements become events; holder and holderAt
answer who holds a position now and at any past moment."""

from datetime import UTC, datetime, timedelta
from typing import Any

from services.kit.graphql.context import RequestContext
from services.kit.graphql.schema import build_schema
from services.kit.runtime import ServiceRuntime
from services.kit.simulator.core import Simulator
from services.kit.testing import pending_events
from services.personnel.bootstrap import SPEC
from services.personnel.holders import holder_nip_at

PREFIX = "id.go.serdangbedagaikab.personnel.employee."
SCHEMA = build_schema(SPEC)
HOLDERS = """query($id: ID!, $at: DateTime!) { position(id: $id) {
  name holder { nip name } holderAt(at: $at) { nip }
  assignments { kind start end employee { nip } } } }"""


async def sync_all(sim: Simulator, rt: ServiceRuntime) -> None:
    for binding in SPEC.entities:
        await rt.ingest(binding.resource, list(sim.table(binding.resource).records.values()))


async def query(rt: ServiceRuntime, q: str, **variables: Any) -> dict[str, Any]:
    result = await SCHEMA.execute(q, variable_values=variables, context_value=RequestContext(rt))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


def test_the_latest_assignment_in_force_wins() -> None:
    rows = [
        {"_id": "R1", "nip": "A", "start": "2020-01-01", "end": "2024-03-01"},
        {"_id": "R2", "nip": "B", "start": "2024-03-01", "end": "2024-03-01"},
        {"_id": "R3", "nip": "C", "start": "2024-03-01", "end": None},
    ]
    at = lambda d: datetime.fromisoformat(d + "T05:00:00+00:00")  # noqa: E731
    assert holder_nip_at(rows, at("2019-12-31")) is None
    assert holder_nip_at(rows, at("2024-02-29")) == "A"
    assert holder_nip_at(rows, at("2024-03-01")) == "C"


async def test_a_mutation_changes_the_holder_with_history(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=11)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        before = {e["id"] for e in await pending_events(rt.store)}
        changes = sim.act("mutasi")
        moved = next(r for res, r in changes if res == "pegawai")
        old_position = next(
            r for res, r in changes if res == "riwayat_jabatan" and not r["tmt_selesai"]
        )["id_jabatan_asal"]
        await sync_all(sim, rt)
        events = [e for e in await pending_events(rt.store) if e["id"] not in before]
        assert [e["type"] for e in events] == [PREFIX + "mutated"]
        data = events[0]["data"]
        assert data["nip"] == moved["nip"] and data["kind"] == "transfer"
        assert (
            data["positionId"] == moved["id_jabatan"] and data["previousPositionId"] == old_position
        )
        # the old position is vacant now, but was held by the mover yesterday
        yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
        old = (await query(rt, HOLDERS, id=old_position, at=yesterday))["position"]
        assert old["holder"] is None
        assert old["holderAt"] == {"nip": moved["nip"]}
        new = (await query(rt, HOLDERS, id=moved["id_jabatan"], at=datetime.now(UTC).isoformat()))[
            "position"
        ]
        assert new["holder"]["nip"] == new["holderAt"]["nip"] == moved["nip"]
        assert new["assignments"][0]["kind"] == "TRANSFER" and new["assignments"][0]["end"] is None


async def test_rotation_appointment_and_retirement_events(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=12)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        before = {e["id"] for e in await pending_events(rt.store)}
        sim.act("rotasi")
        sim.act("pengangkatan")
        retiring = next(r for res, r in sim.act("pensiun") if res == "pegawai")
        await sync_all(sim, rt)
        events = [e for e in await pending_events(rt.store) if e["id"] not in before]
        types = sorted(e["type"].removeprefix(PREFIX) for e in events)
        assert types == ["appointed", "mutated", "mutated", "retired"]
        retired = next(e for e in events if e["type"].endswith("retired"))
        assert retired["subject"] == retiring["nip"] and retired["data"]["lastPositionId"]
        doc = await rt.collection("employee").get(retiring["nip"])
        assert doc["status"] == "retired" and doc["position_id"] is None


async def test_entity_references_resolve_in_one_batch(open_rt: Any) -> None:
    sim = Simulator(SPEC.workflow, seed=13)
    async with open_rt(SPEC) as rt:
        await sync_all(sim, rt)
        ids = [p for p in list(sim.table("jabatan").records)[:20]]
        reps = [{"__typename": "Position", "id": i} for i in ids] + [
            {"__typename": "Position", "id": "nope"}
        ]
        q = (
            "query($r: [_Any!]!) { _entities(representations: $r) "
            "{ ... on Position { id holder { nip } } } }"
        )
        calls: list[int] = []
        coll = rt.collection("position")
        original = coll.get_many

        async def counting(doc_ids: Any, **options: Any) -> Any:
            calls.append(len(doc_ids))
            return await original(doc_ids, **options)

        coll.get_many = counting  # type: ignore[method-assign]
        rt.collection = lambda name: coll if name == "position" else rt.store.collection(name)  # type: ignore[method-assign]
        data = await query(rt, q, r=reps)
        assert [e and e["id"] for e in data["_entities"]] == [*ids, None]
        assert calls == [21]  # one get_many for the whole batch
