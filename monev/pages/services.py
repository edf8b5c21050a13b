"""Layanan: permit applications by status and kecamatan, SLA breaches, time to decision."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date
from typing import Any

PERMITS = """permitApplications(first: 200, after: $after) {
    items { id permitTypeName kecamatan status submittedOn decidedOn slaDeadline slaBreached }
    nextCursor
  }"""
QUERY = "query Layanan($after: String) { " + PERMITS + " }"
STATUSES = ("SUBMITTED", "VERIFIED", "APPROVED", "REJECTED")
STATUS_LABEL = {
    "SUBMITTED": "Diajukan",
    "VERIFIED": "Diverifikasi",
    "APPROVED": "Disetujui",
    "REJECTED": "Ditolak",
}


@dataclass
class Services:
    total: int
    by_status: dict[str, int]
    by_kecamatan: list[tuple[str, dict[str, int], int]]  # (kecamatan, by status, breaches)
    breaches: int
    open_breaches: list[dict[str, Any]]
    decision_days_median: float | None
    decision_days_p90: float | None
    decided: int


def build(permits: list[dict[str, Any]]) -> Services:
    by_status = Counter(p["status"] for p in permits)
    kec: dict[str, Counter[str]] = defaultdict(Counter)
    kec_breach: Counter[str] = Counter()
    days: list[int] = []
    for p in permits:
        kec[p["kecamatan"]][p["status"]] += 1
        if p["slaBreached"]:
            kec_breach[p["kecamatan"]] += 1
        if p.get("decidedOn"):
            delta = date.fromisoformat(p["decidedOn"]) - date.fromisoformat(p["submittedOn"])
            days.append(max(0, delta.days))
    open_breaches = sorted(
        (p for p in permits if p["slaBreached"] and p["status"] in ("SUBMITTED", "VERIFIED")),
        key=lambda p: p["slaDeadline"],
    )
    days.sort()
    return Services(
        total=len(permits),
        by_status={s: by_status.get(s, 0) for s in STATUSES},
        by_kecamatan=[
            (k, {s: c.get(s, 0) for s in STATUSES}, kec_breach.get(k, 0))
            for k, c in sorted(kec.items())
        ],
        breaches=sum(1 for p in permits if p["slaBreached"]),
        open_breaches=open_breaches,
        decision_days_median=float(statistics.median(days)) if days else None,
        decision_days_p90=float(days[int(0.9 * (len(days) - 1))]) if days else None,
        decided=len(days),
    )


def chart(services: Services) -> dict[str, Any]:
    return {
        "type": "bar",
        "data": {
            "labels": [STATUS_LABEL[s] for s in STATUSES],
            "datasets": [
                {
                    "label": "Permohonan",
                    "backgroundColor": "#0b4f8a",
                    "data": [services.by_status[s] for s in STATUSES],
                }
            ],
        },
        "options": {
            "plugins": {"legend": {"display": False}},
            "scales": {"y": {"beginAtZero": True}},
        },
    }
