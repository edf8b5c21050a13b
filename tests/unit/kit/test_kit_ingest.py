"""Ingest on the embedded store: state + outbox in one write, no duplicate or backwards event."""

import asyncio
from typing import Any

from permit_records import permohonan

from services.kit.ingest import KnownRevisions, Verdict
from services.kit.testing import pending_events
from services.licensing.bootstrap import SPEC
from services.licensing.mapping import PERMIT

STATUS_CHANGED = "id.go.serdangbedagaikab.licensing.permit.status_changed"
ID = "503/0001/DPMPTSP/2026"


async def test_a_new_record_becomes_state_and_exactly_one_event(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        result = await rt.ingest("permohonan", [permohonan()])
        assert (result.applied, result.events) == (1, 1)
        doc = await rt.collection("permit").get(ID)
        assert doc["status"] == "submitted" and doc["_v"] == 1
        [event] = await pending_events(rt.store)
        assert event["type"] == STATUS_CHANGED
        assert event["subject"] == ID and event["source"] == "/services/licensing"
        assert event["data"]["from"] is None and event["data"]["to"] == "submitted"
        assert event["entityversion"] == 1 and event["opd"] == "DPMPTSP"


async def test_duplicates_and_out_of_order_versions_emit_nothing(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        v1, v2 = permohonan(), permohonan(kd_status=20, versi=2)
        await rt.ingest("permohonan", [v1])
        await rt.ingest("permohonan", [v2])
        assert len(await pending_events(rt.store)) == 2
        again = await rt.ingest("permohonan", [v2, v2])
        late = await rt.ingest("permohonan", [v1])
        assert again.duplicates == 2 and late.outdated == 1
        assert (again.applied, late.applied) == (0, 0)
        events = await pending_events(rt.store)
        assert [e["data"]["to"] for e in events] == ["submitted", "verified"]
        assert (await rt.collection("permit").get(ID))["status"] == "verified"


async def test_versions_in_one_batch_apply_only_the_newest(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        batch = [permohonan(kd_status=20, versi=2), permohonan(), permohonan(kd_status=20, versi=2)]
        await rt.ingest("permohonan", batch)
        [event] = await pending_events(rt.store)
        assert event["data"]["to"] == "verified"


async def test_a_change_without_status_move_updates_state_silently(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        await rt.ingest("permohonan", [permohonan()])
        await rt.ingest("permohonan", [permohonan(versi=2, nilai_investasi="2.000.000,00")])
        assert (await rt.collection("permit").get(ID))["investment_value"] == "2000000.00"
        assert len(await pending_events(rt.store)) == 1


async def test_concurrent_writers_of_one_record_emit_one_event(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        v2 = permohonan(kd_status=20, versi=2)
        await asyncio.gather(*(rt.ingest("permohonan", [v2]) for _ in range(8)))
        assert len(await pending_events(rt.store)) == 1


async def test_malformed_records_are_quarantined_and_the_rest_applied(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        bad = permohonan(no_permohonan="503/0002/DPMPTSP/2026", tgl_permohonan="2026-03-02")
        result = await rt.ingest("permohonan", [bad, "garbage", permohonan()])
        assert (result.applied, result.quarantined) == (1, 2)
        held = (await rt.quarantine.coll.find()).items
        reasons = {d["upstream_id"]: d["reason"] for d in held}
        assert "not a dd-mm-yyyy date" in reasons["503/0002/DPMPTSP/2026"]
        assert None in reasons
        assert rt.quarantine.open_count == 2
        # the same bad record again is counted, not duplicated
        await rt.ingest("permohonan", [bad])
        doc = await rt.quarantine.coll.get("permit:503/0002/DPMPTSP/2026")
        assert doc["count"] == 2 and rt.quarantine.open_count == 2
        # once fixed upstream, the entry is resolved
        await rt.ingest("permohonan", [{**bad, "tgl_permohonan": "02-03-2026"}])
        assert await rt.quarantine.coll.get("permit:503/0002/DPMPTSP/2026") is None
        assert rt.quarantine.open_count == 1


async def test_a_record_whose_event_the_log_would_refuse_is_held_not_written(
    open_rt: Any, monkeypatch: Any
) -> None:
    """Kafka refuses a record over its size limit on every try: written to the outbox, such an
    event would hold up every later event of the service. The record is quarantined with the
    reason instead, nothing of it is written, and the rest of the batch goes on."""
    import services.kit.envelope as envelope

    async with open_rt(SPEC) as rt:
        await rt.ingest("permohonan", [permohonan()])
        [small] = await pending_events(rt.store)
        monkeypatch.setattr(envelope, "MAX_EVENT_BYTES", len(envelope.encode(small)) + 50)
        other = permohonan(no_permohonan="503/0002/DPMPTSP/2026")
        big = permohonan(kd_status=20, versi=2, kd_jabatan_verifikator="4" * 300)
        result = await rt.ingest("permohonan", [big, other])
        assert (result.applied, result.quarantined) == (1, 1)
        [held] = (await rt.quarantine.coll.find()).items
        assert held["upstream_id"] == ID and "the log takes at most" in held["reason"]
        assert (await rt.collection("permit").get(ID))["_v"] == 1  # nothing of it written
        subjects = [e["subject"] for e in await pending_events(rt.store)]
        assert subjects == [ID, other["no_permohonan"]]


def _drift_lines(caplog: Any) -> int:
    return len([r for r in caplog.records if r.msg == "schema_drift"])


async def test_schema_drift_is_reported_once_even_after_a_restart(
    open_rt: Any, caplog: Any
) -> None:
    async with open_rt(SPEC) as rt:
        await rt.ingest("permohonan", [permohonan(kode_oss="1")])
        await rt.ingest("permohonan", [permohonan(versi=2, kode_oss="2")])
        assert rt.drift.fields() == ["permit.kode_oss"]
        assert (await rt.collection("permit").get(ID))["status"] == "submitted"  # tolerated
    assert _drift_lines(caplog) == 1
    async with open_rt(SPEC) as rt:
        await rt.ingest("permohonan", [permohonan(versi=3, kode_oss="3")])
        assert rt.drift.fields() == ["permit.kode_oss"]
    assert _drift_lines(caplog) == 1


async def test_the_store_alone_rejects_replays_after_a_restart(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        v1, v2 = permohonan(), permohonan(kd_status=20, versi=2)
        await rt.ingest("permohonan", [v1, v2])
        rt.ingestor.known = KnownRevisions()  # a fresh process remembers nothing
        again, late = await rt.ingest("permohonan", [v2]), await rt.ingest("permohonan", [v1])
        assert (again.duplicates, late.outdated) == (1, 1)
        assert len(await pending_events(rt.store)) == 1


async def test_remembered_revisions_never_hide_a_newer_version(open_rt: Any) -> None:
    async with open_rt(SPEC) as rt:
        await rt.ingest("permohonan", [permohonan()])
        v3 = permohonan(kd_status=20, versi=3)
        assert rt.ingestor.known.judge(PERMIT, v3) is None  # newer: the full path runs
        assert rt.ingestor.known.judge(PERMIT, permohonan()) is Verdict.DUPLICATE
        assert rt.ingestor.known.judge(PERMIT, {"no_permohonan": ID, "versi": "x"}) is None
        result = await rt.ingest("permohonan", [v3])
        assert result.applied == 1 and result.events == 1
