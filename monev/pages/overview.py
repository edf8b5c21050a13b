"""Ringkasan: one row per registered application, problems first.

One GraphQL request: the registry's applications with their owner's current holder
(personnel), readiness and latest probe (registry) and the sync status every service adds
to the application it wraps (``<service>Sync``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

SERVICES = ("planning", "finance", "procurement", "licensing", "personnel", "registry")
DIMENSIONS = ("network", "dataCentre", "hardware", "people")
STAGE_ORDER = ("PLANNED", "DEVELOPMENT", "TRIAL", "PRODUCTION")

QUERY = (
    """query Ringkasan($opd: String) {
  applications(ownerOpd: $opd, first: 200) {
    items {
      id name ownerOpd stage stageSince url
      owner { id name holder { nip name } }
      readiness { network dataCentre hardware people assessedOn note ready }
      uptime { up httpStatus responseMs checkedAt consecutiveFailures downSince }
"""
    + "".join(f"      {s}Sync {{ ...sync }}\n" for s in SERVICES)
    + """    }
  }
}
fragment sync on SyncStatus {
  service lastSyncAt lagSeconds upstreamReachable quarantinedCount errorCount lastError
}"""
)

PROBLEM, WARNING, OK = 2, 1, 0
SEVERITY_KEY = {PROBLEM: "sev_problem", WARNING: "sev_warning", OK: "sev_ok"}


def parse_time(text: str | None) -> datetime | None:
    if not text:
        return None
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass
class Row:
    id: str
    name: str
    opd: str
    stage: str
    stage_since: str
    owner_position: str
    owner_position_id: str
    holder: str | None
    uptime: str  # up | down | unknown
    uptime_since: datetime | None
    service: str | None  # the Rumah service wrapping it, if any
    reachable: bool | None
    last_sync: datetime | None
    lag_s: float | None
    quarantined: int
    last_error: str | None
    readiness: dict[str, str] | None
    severity: int = OK
    reasons: list[str] = field(default_factory=list)  # label keys

    def signature(self) -> tuple[object, ...]:
        """What a person would call a change of this row (not the seconds since last sync)."""
        return (
            self.stage,
            self.stage_since,
            self.uptime,
            self.uptime_since,
            self.reachable,
            self.quarantined,
            self.readiness and tuple(self.readiness.items()),
            self.holder,
            self.owner_position_id,
            self.severity,
            tuple(self.reasons),
        )

    @property
    def state_class(self) -> str:
        return {PROBLEM: "problem", WARNING: "warning", OK: "ok"}[self.severity]


def rows_from(data: dict[str, Any], *, stale_after_s: float, now: datetime) -> list[Row]:
    out = [_row(app, stale_after_s, now) for app in data["applications"]["items"]]
    out.sort(key=lambda r: (-r.severity, r.opd, r.name))
    return out


def _row(app: dict[str, Any], stale_after_s: float, now: datetime) -> Row:
    sync = next((app[f"{s}Sync"] for s in SERVICES if app.get(f"{s}Sync")), None)
    uptime = app.get("uptime")
    if uptime is None:
        state, since = "unknown", None
    elif uptime["up"]:
        state, since = "up", None
    else:
        state, since = "down", parse_time(uptime.get("downSince") or uptime["checkedAt"])
    owner = app.get("owner") or {}
    holder = owner.get("holder")
    last_sync = parse_time(sync["lastSyncAt"]) if sync else None
    lag = (now - last_sync).total_seconds() if last_sync else None
    readiness = app.get("readiness")
    row = Row(
        id=app["id"],
        name=app["name"],
        opd=app["ownerOpd"],
        stage=app["stage"],
        stage_since=app["stageSince"],
        owner_position=owner.get("name") or owner.get("id", "?"),
        owner_position_id=owner.get("id", ""),
        holder=holder["name"] if holder else None,
        uptime=state,
        uptime_since=since,
        service=sync["service"] if sync else None,
        reachable=sync["upstreamReachable"] if sync else None,
        last_sync=last_sync,
        lag_s=lag,
        quarantined=sync["quarantinedCount"] if sync else 0,
        last_error=sync["lastError"] if sync else None,
        readiness={d: readiness[d] for d in DIMENSIONS} if readiness else None,
    )
    live = app["stage"] in ("TRIAL", "PRODUCTION")
    if state == "down":
        row.reasons.append("down")
    if sync is not None and not sync["upstreamReachable"]:
        row.reasons.append("unreachable")
    if row.reasons:
        row.severity = PROBLEM
        return row
    if sync is not None and (lag is None or lag > stale_after_s):
        row.reasons.append("stale")
    if row.quarantined:
        row.reasons.append("quarantined")
    if holder is None:
        row.reasons.append("vacant")
    if live and state == "unknown":
        row.reasons.append("unknown")
    if readiness is not None and not readiness["ready"] and live:
        row.reasons.append("not_ready")
    row.severity = WARNING if row.reasons else OK
    return row


def counts(rows: list[Row]) -> dict[str, int]:
    return {
        "problem": sum(r.severity == PROBLEM for r in rows),
        "warning": sum(r.severity == WARNING for r in rows),
        "ok": sum(r.severity == OK for r in rows),
    }
