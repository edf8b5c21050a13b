"""What a registry change means, all on ``rumah.registry.application`` (subject = app id).

* ``application.stage_changed`` on every stage move; an application goes into production
  only from a trial (uji coba) — the monev rule — so a record skipping it is refused.
* ``application.readiness_changed`` when a readiness dimension changes (network, data
  centre, hardware, people).
* ``application.probe_failed`` when it stops answering, ``application.probe_recovered``
  (with the downtime) when it answers again; repeated failures are not repeated events.
"""

from __future__ import annotations

from datetime import datetime

from services.kit.ports import Document
from services.kit.spec import Event, Reaction
from services.registry.model import DIMENSIONS

APPLICATION, READINESS, PROBE, FUNDING = "application", "readiness", "probe", "funding"
_CAMEL = {
    "network": "network",
    "data_centre": "dataCentre",
    "hardware": "hardware",
    "people": "people",
}


def react_application(old: Document | None, new: Document, now: datetime) -> Reaction:
    before = old["stage"] if old else None
    if before == new["stage"]:
        return Reaction(new)
    if before is not None and new["stage"] == "production" and before != "trial":
        raise ValueError(
            f"an application goes into production only after a trial, not from {before}"
        )
    data = {
        "applicationId": new["_id"],
        "name": new["name"],
        "ownerOpd": new["owner_opd"],
        "ownerPositionId": new["owner_position_id"],
        "from": before,
        "to": new["stage"],
        "upstreamChangedAt": new.get("source_updated_at"),
        "since": new["stage_since"],
    }
    return Reaction(new, [Event("application.stage_changed", new["_id"], data)])


def ready(doc: Document) -> bool:
    return all(doc[d] == "ready" for d in DIMENSIONS)


def react_readiness(old: Document | None, new: Document, now: datetime) -> Reaction:
    if old is not None and all(old[d] == new[d] for d in DIMENSIONS):
        return Reaction(new)
    levels = {_CAMEL[d]: new[d] for d in DIMENSIONS}
    previous = {_CAMEL[d]: old[d] for d in DIMENSIONS} if old else None
    data = {
        "applicationId": new["_id"],
        **levels,
        "previous": previous,
        "ready": ready(new),
        "assessedOn": new["assessed_on"],
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    return Reaction(new, [Event("application.readiness_changed", new["_id"], data)])


def react_probe(old: Document | None, new: Document, now: datetime) -> Reaction:
    was_down = bool(old and old["status"] == "down")
    app = new["_id"]
    if new["status"] == "down":
        new["down_since"] = old["down_since"] if was_down and old else new["checked_at"]
        if was_down:
            return Reaction(new)
        data = {
            "applicationId": app,
            "checkedAt": new["checked_at"],
            "httpStatus": new["http_status"],
            "upstreamChangedAt": new.get("source_updated_at"),
        }
        return Reaction(new, [Event("application.probe_failed", app, data)])
    new["down_since"] = None
    if not was_down or old is None:
        return Reaction(new)
    down_since = datetime.fromisoformat(old["down_since"])
    downtime = (datetime.fromisoformat(new["checked_at"]) - down_since).total_seconds()
    data = {
        "applicationId": app,
        "checkedAt": new["checked_at"],
        "downSince": old["down_since"],
        "downtimeSeconds": max(0.0, downtime),
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    return Reaction(new, [Event("application.probe_recovered", app, data)])
