"""What a permit change means: status events, and the SLA breach (detected once)."""

from __future__ import annotations

import logging
from datetime import date, datetime
from typing import Any

from services.kit.converters import WIB
from services.kit.ports import Document, VersionConflict
from services.kit.spec import Event, JobContext, Reaction
from services.licensing.model import OPEN_STATUSES, sla_breached

log = logging.getLogger("rumah.licensing")
COLLECTION = "permit"


def _breach_event(doc: Document, now: datetime) -> Event:
    return Event(
        "permit.sla_breached",
        doc["_id"],
        {
            "permitId": doc["_id"],
            "status": doc["status"],
            "permitType": doc["permit_type"],
            "slaDeadline": doc["sla_deadline"],
            "detectedAt": now.isoformat(),
            "verifierPositionId": doc["verifier_position_id"],
        },
    )


def react(old: Document | None, new: Document, now: datetime) -> Reaction:
    """Status moves become ``permit.status_changed``; a first breach ``permit.sla_breached``."""
    deadline = date.fromisoformat(new["sla_deadline"])
    decided = date.fromisoformat(new["decided_on"]) if new.get("decided_on") else None
    was_breached = bool(old and old.get("sla_breached"))
    new["sla_breached"] = was_breached or sla_breached(new["status"], deadline, decided, now)
    events = []
    before = old["status"] if old else None
    if before != new["status"]:
        events.append(
            Event(
                "permit.status_changed",
                new["_id"],
                {
                    "permitId": new["_id"],
                    "from": before,
                    "to": new["status"],
                    "permitType": new["permit_type"],
                    "verifierPositionId": new["verifier_position_id"],
                    "submittedOn": new["submitted_on"],
                    "slaDeadline": new["sla_deadline"],
                    "decidedOn": new.get("decided_on"),
                    "upstreamChangedAt": new.get("source_updated_at"),
                },
            )
        )
    if new["sla_breached"] and not was_breached:
        events.append(_breach_event(new, now))
    return Reaction(new, events)


async def sweep_sla(rt: JobContext) -> int:
    """Flag open permits whose deadline passed while nothing happened upstream."""
    now = rt.clock()
    today = now.astimezone(WIB).date().isoformat()
    flt: dict[str, Any] = {
        "status": {"$in": [str(s) for s in OPEN_STATUSES]},
        "sla_breached": False,
        "sla_deadline": {"$lt": today},
    }
    flagged = 0
    page = await rt.collection(COLLECTION).find(flt, sort=[("sla_deadline", 1)], limit=500)
    for doc in page.items:
        version = doc.pop("_v")
        doc["sla_breached"] = True
        try:
            await rt.save(
                COLLECTION, doc, expected_version=version, events=[_breach_event(doc, now)]
            )
        except VersionConflict:
            continue  # changed meanwhile; its own ingest judged the breach
        flagged += 1
    if flagged:
        log.info("sla_breaches_flagged", extra={"count": flagged})
    return flagged
