"""What an activity change means: created, target revised, stage changed.

Events follow the activity (subject = activity code) on ``rumah.planning.activity``. The
RKPD stages only move forward; an upstream record that moves an activity back is refused
and quarantined, so the event log never shows a plan going backwards.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from services.kit.ports import Document
from services.kit.spec import Event, Reaction
from services.planning.model import STAGE_ORDER, ActivityStage

COLLECTION = "activity"


def _rank(stage: str) -> int:
    return STAGE_ORDER.index(ActivityStage(stage))


def target_revisions(old: Document, new: Document) -> list[dict[str, Any]]:
    """Indicators whose target changed, appeared (``from`` null) or went (``to`` null)."""
    before = {i["code"]: i for i in old["indicators"]}
    after = {i["code"]: i for i in new["indicators"]}
    out = []
    for code in [*after, *(c for c in before if c not in after)]:
        was, now = before.get(code), after.get(code)
        if was and now and Decimal(was["target"]) == Decimal(now["target"]):
            continue
        row = now or was
        assert row is not None
        out.append(
            {
                "indicatorCode": code,
                "indicator": row["name"],
                "unit": row["unit"],
                "from": was and was["target"],
                "to": now and now["target"],
            }
        )
    return out


def react(old: Document | None, new: Document, now: datetime) -> Reaction:
    code = new["_id"]
    common = {
        "activityCode": code,
        "opd": new["opd"],
        "responsiblePositionId": new["responsible_position_id"],
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    if old is None:
        indicators = [
            {"code": i["code"], "name": i["name"], "unit": i["unit"], "target": i["target"]}
            for i in new["indicators"]
        ]
        data = {
            **common,
            "name": new["name"],
            "programCode": new["program_code"],
            "fiscalYear": new["fiscal_year"],
            "stage": new["stage"],
            "indicators": indicators,
        }
        return Reaction(new, [Event("activity.created", code, data)])
    events = []
    if old["stage"] != new["stage"]:
        if _rank(new["stage"]) < _rank(old["stage"]):
            raise ValueError(f"RKPD stage cannot move back from {old['stage']} to {new['stage']}")
        data = {**common, "from": old["stage"], "to": new["stage"], "since": new["stage_since"]}
        events.append(Event("activity.stage_changed", code, data))
    revisions = target_revisions(old, new)
    if revisions:
        data = {**common, "stage": new["stage"], "revisions": revisions}
        events.append(Event("activity.target_revised", code, data))
    return Reaction(new, events)
