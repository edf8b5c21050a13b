"""Kesinambungan: responsibilities belong to positions (jabatan); who holds them changes.

One request reads the positions with their holders and history (personnel) and what points
at a position: activities' PPTK (planning), procurement packages' PPK (procurement), open
permits' verifier (licensing) and applications' owner (registry)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

POSITIONS = """positions(opd: $opd, first: 200, after: $after) {
    items { id name opd kind holder { nip name }
            assignments { start end kind decree employee { nip name } } }
    nextCursor
  }"""
QUERY = (
    """query Kesinambungan($opd: String, $after: String) {
  """
    + POSITIONS
    + """
  activities(opd: $opd, first: 200) { items { code name responsiblePosition { id } } nextCursor }
  procurementPackages(opd: $opd, first: 200) {
    items { id name commitmentOfficer { id } } nextCursor }
  permitApplications(status: SUBMITTED, first: 200) { items { id verifier { id } } nextCursor }
  verified: permitApplications(status: VERIFIED, first: 200) {
    items { id verifier { id } } nextCursor }
  applications(ownerOpd: $opd, first: 200) { items { id name owner { id } } nextCursor }
}"""
)
MORE_POSITIONS = "query JabatanLanjut($opd: String, $after: String) { " + POSITIONS + " }"
HISTORY = """query RiwayatJabatan($id: ID!) {
  position(id: $id) {
    id name opd kind eselon holder { nip name }
    assignments { start end kind decree employee { nip name } previousPosition { id name } }
  }
}"""
MOVE_LABEL = {"APPOINTMENT": "Pengangkatan", "TRANSFER": "Mutasi", "ROTATION": "Rotasi"}


@dataclass
class Duty:
    kind: str  # activity | package | permit | application
    id: str
    name: str


@dataclass
class PositionView:
    id: str
    name: str
    opd: str
    holder: str | None
    changes: list[dict[str, Any]]  # assignments that started in the period
    duties: list[Duty] = field(default_factory=list)

    def duty_count(self, kind: str) -> int:
        return sum(1 for d in self.duties if d.kind == kind)


def duties_by_position(data: dict[str, Any]) -> dict[str, list[Duty]]:
    out: dict[str, list[Duty]] = defaultdict(list)
    for a in data["activities"]["items"]:
        out[a["responsiblePosition"]["id"]].append(Duty("activity", a["code"], a["name"]))
    for p in data["procurementPackages"]["items"]:
        out[p["commitmentOfficer"]["id"]].append(Duty("package", p["id"], p["name"]))
    for key in ("permitApplications", "verified"):
        for p in data[key]["items"]:
            out[p["verifier"]["id"]].append(Duty("permit", p["id"], p["id"]))
    for a in data["applications"]["items"]:
        out[a["owner"]["id"]].append(Duty("application", a["id"], a["name"]))
    return out


def build(
    positions: list[dict[str, Any]], data: dict[str, Any], start: date, end: date
) -> tuple[list[PositionView], list[PositionView]]:
    """(positions whose holder changed in [start, end], vacant positions that own something)."""
    duties = duties_by_position(data)
    changed, vacant = [], []
    for p in positions:
        moves = [a for a in p["assignments"] if start <= date.fromisoformat(a["start"]) <= end]
        view = PositionView(
            p["id"],
            p["name"],
            p["opd"],
            p["holder"]["name"] if p["holder"] else None,
            sorted(moves, key=lambda a: a["start"], reverse=True),
            duties.get(p["id"], []),
        )
        if moves:
            changed.append(view)
        if view.holder is None and view.duties:
            vacant.append(view)
    # those answering for something first, then the most recent change
    changed.sort(key=lambda v: (len(v.duties), v.changes[0]["start"]), reverse=True)
    vacant.sort(key=lambda v: (-len(v.duties), v.opd, v.name))
    return changed, vacant
