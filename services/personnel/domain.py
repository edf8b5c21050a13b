"""What an employee change means: appointed, mutated (transfer/rotation) or retired.

Events follow the employee record (subject = NIP), so one employee's events stay in order
on ``rumah.personnel.employee``. Position history lives in the assignments.
"""

from __future__ import annotations

from datetime import datetime

from services.kit.ports import Document
from services.kit.spec import Event, Reaction


def react(old: Document | None, new: Document, now: datetime) -> Reaction:
    nip = new["nip"]
    before_status = old["status"] if old else None
    before_position = old.get("position_id") if old else None
    common = {
        "nip": nip,
        "name": new["name"],
        "opd": new["opd"],
        "upstreamChangedAt": new["source_updated_at"],
    }
    if new["status"] == "retired":
        if before_status == "retired":
            return Reaction(new)
        data = {**common, "lastPositionId": before_position, "decree": new.get("last_decree")}
        return Reaction(new, [Event("employee.retired", nip, data)])
    position = new.get("position_id")
    if not position or position == before_position:
        return Reaction(new)
    kind = new.get("last_move") or "appointment"
    data = {
        **common,
        "positionId": position,
        "previousPositionId": before_position,
        "effectiveOn": new.get("position_since"),
        "decree": new.get("last_decree"),
    }
    if kind == "appointment":
        return Reaction(new, [Event("employee.appointed", nip, data)])
    return Reaction(new, [Event("employee.mutated", nip, {**data, "kind": kind})])
