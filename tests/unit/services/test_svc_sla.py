"""The legal service deadline of permits: computed, detected once, swept while idle."""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from permit_records import permohonan

from services.kit.calendar import add_working_days
from services.kit.testing import pending_events
from services.licensing.bootstrap import SPEC
from services.licensing.domain import sweep_sla
from services.licensing.model import sla_breached

BREACHED = "id.go.serdangbedagaikab.licensing.permit.sla_breached"


def test_working_days_skip_weekends() -> None:
    friday = date(2026, 3, 6)
    assert add_working_days(friday, 1) == date(2026, 3, 9)
    assert add_working_days(friday, 5) == date(2026, 3, 13)


def test_open_permits_breach_after_the_deadline_in_local_time() -> None:
    deadline = date(2026, 3, 10)
    late_evening_utc = datetime(2026, 3, 10, 16, 59, tzinfo=UTC)  # 23:59 WIB on the 10th
    assert not sla_breached("submitted", deadline, None, late_evening_utc)
    assert sla_breached("verified", deadline, None, late_evening_utc + timedelta(minutes=2))
    assert sla_breached("approved", deadline, date(2026, 3, 11), late_evening_utc)
    assert not sla_breached(
        "approved", deadline, date(2026, 3, 10), late_evening_utc + timedelta(days=9)
    )


async def test_the_sweep_flags_an_idle_overdue_permit_once(open_rt: Any, clock: Any) -> None:
    # TDUP (code 6): 3 working days. Submitted Monday 2 March → deadline Thursday 5 March.
    async with open_rt(SPEC) as rt:
        clock.now = datetime(2026, 3, 3, 3, tzinfo=UTC)
        await rt.ingest("permohonan", [permohonan(jenis_izin=6)])
        assert await sweep_sla(rt) == 0
        clock.now = datetime(2026, 3, 6, 3, tzinfo=UTC)
        assert await sweep_sla(rt) == 1
        assert await sweep_sla(rt) == 0
        doc = await rt.collection("permit").get("503/0001/DPMPTSP/2026")
        assert doc["sla_breached"] is True
        breaches = [e for e in await pending_events(rt.store) if e["type"] == BREACHED]
        assert len(breaches) == 1
        assert breaches[0]["data"]["slaDeadline"] == "2026-03-05"
        assert breaches[0]["data"]["verifierPositionId"] == "4041"
        # a later upstream move keeps the flag and does not report the breach again
        await rt.ingest("permohonan", [permohonan(jenis_izin=6, kd_status=20, versi=2)])
        assert (await rt.collection("permit").get("503/0001/DPMPTSP/2026"))["sla_breached"]
        assert len([e for e in await pending_events(rt.store) if e["type"] == BREACHED]) == 1


async def test_a_decision_after_the_deadline_is_a_breach_detected_on_ingest(
    open_rt: Any, clock: Any
) -> None:
    async with open_rt(SPEC) as rt:
        clock.now = datetime(2026, 3, 20, 3, tzinfo=UTC)
        late = permohonan(jenis_izin=6, kd_status=30, tgl_keputusan="12-03-2026", versi=3)
        await rt.ingest("permohonan", [late])
        types = [e["type"] for e in await pending_events(rt.store)]
        assert types.count(BREACHED) == 1
