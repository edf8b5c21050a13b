"""Anggaran: per OPD and activity the pagu, realisasi and percentage; SP2D over time; the
procurement funnel; contracts signed. One request for the first pages of every list; more
pages only when a list is longer than a page."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

LINES = """budgetLines(opd: $opd, first: 200, after: $after) {
    items { id opd fiscalYear dpaNumber phase ceiling realisation realisationPercent
            activity { code } }
    nextCursor
  }"""
# Activity names come from planning's own list, not through each budget line: a line whose
# activity planning does not know (an APBD-perubahan addition) must not fail the page.
NAMES = "activities(opd: $opd, first: 200) { items { code name } }"
SP2D = """disbursements(first: 200, after: $after) {
    items { number status issuedOn amount activity { code } }
    nextCursor
  }"""
PACKAGES = """procurementPackages(opd: $opd, first: 200, after: $after) {
    items { id name opd stage ceiling activity { code }
            contract { number vendor value signedOn } }
    nextCursor
  }"""
QUERY = (
    "query Anggaran($opd: String, $after: String) {\n  "
    + LINES
    + "\n  "
    + SP2D
    + "\n  "
    + PACKAGES
    + "\n  "
    + NAMES
    + "\n}"
)
MORE = {
    "budgetLines": "query AnggaranLanjut($opd: String, $after: String) { " + LINES + " }",
    "disbursements": "query SP2DLanjut($after: String) { " + SP2D + " }",
    "procurementPackages": "query PaketLanjut($opd: String, $after: String) { " + PACKAGES + " }",
}

FUNNEL = (
    "ANNOUNCEMENT",
    "REGISTRATION",
    "BID_SUBMISSION",
    "EVALUATION",
    "AWARD",
    "OBJECTION",
    "CONTRACT",
    "FAILED",
)
STAGE_LABEL = {
    "ANNOUNCEMENT": "Pengumuman",
    "REGISTRATION": "Pendaftaran",
    "BID_SUBMISSION": "Pemasukan penawaran",
    "EVALUATION": "Evaluasi",
    "AWARD": "Penetapan pemenang",
    "OBJECTION": "Sanggah",
    "CONTRACT": "Kontrak",
    "FAILED": "Gagal",
}


@dataclass
class OpdBudget:
    opd: str
    ceiling: Decimal = Decimal(0)
    realisation: Decimal = Decimal(0)
    lines: list[dict[str, Any]] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return float(self.realisation / self.ceiling * 100) if self.ceiling else 0.0


@dataclass
class Budget:
    opds: list[OpdBudget]
    by_month: list[tuple[str, Decimal]]  # (yyyy-mm, issued SP2D that month)
    funnel: list[tuple[str, int, Decimal]]  # (stage, packages, their ceiling)
    contracts: list[dict[str, Any]]
    sp2d_count: int

    @property
    def ceiling(self) -> Decimal:
        return sum((o.ceiling for o in self.opds), Decimal(0))

    @property
    def realisation(self) -> Decimal:
        return sum((o.realisation for o in self.opds), Decimal(0))

    @property
    def percent(self) -> float:
        return float(self.realisation / self.ceiling * 100) if self.ceiling else 0.0


def build(
    lines: list[dict[str, Any]],
    sp2d: list[dict[str, Any]],
    packages: list[dict[str, Any]],
    names: dict[str, str] | None = None,
) -> Budget:
    opds: dict[str, OpdBudget] = {}
    code_opd: dict[str, str] = {}
    for line in lines:
        code = line["activity"]["code"]
        line = {**line, "activity": {"code": code, "name": (names or {}).get(code, code)}}
        o = opds.setdefault(line["opd"], OpdBudget(line["opd"]))
        o.ceiling += Decimal(str(line["ceiling"]))
        o.realisation += Decimal(str(line["realisation"]))
        o.lines.append(line)
        code_opd[line["activity"]["code"]] = line["opd"]
    for o in opds.values():
        o.lines.sort(key=lambda ln: ln["activity"]["code"])
    months: dict[str, Decimal] = defaultdict(Decimal)
    count = 0
    for d in sp2d:
        if d["status"] == "ISSUED" and d["issuedOn"] and d["activity"]["code"] in code_opd:
            months[d["issuedOn"][:7]] += Decimal(str(d["amount"]))
            count += 1
    stages: dict[str, list[Decimal]] = {s: [] for s in FUNNEL}
    contracts = []
    for p in packages:
        stages.setdefault(p["stage"], []).append(Decimal(str(p["ceiling"])))
        if p.get("contract"):
            contracts.append({**p["contract"], "package": p["name"], "opd": p["opd"]})
    contracts.sort(key=lambda c: c["signedOn"], reverse=True)
    return Budget(
        opds=sorted(opds.values(), key=lambda o: o.opd),
        by_month=sorted(months.items()),
        funnel=[(s, len(v), sum(v, Decimal(0))) for s, v in stages.items()],
        contracts=contracts,
        sp2d_count=count,
    )


def chart(budget: Budget) -> dict[str, Any]:
    """Chart.js spec: SP2D issued per month (bars) and cumulative (line), in juta rupiah."""
    labels = [m for m, _ in budget.by_month]
    per_month = [float(v) / 1e6 for _, v in budget.by_month]
    cumulative, total = [], 0.0
    for v in per_month:
        total += v
        cumulative.append(round(total, 1))
    return {
        "type": "bar",
        "data": {
            "labels": labels,
            "datasets": [
                {
                    "type": "bar",
                    "label": "SP2D terbit per bulan (juta Rp)",
                    "data": [round(v, 1) for v in per_month],
                    "backgroundColor": "#0b4f8a",
                },
                {
                    "type": "line",
                    "label": "Kumulatif (juta Rp)",
                    "data": cumulative,
                    "borderColor": "#b00020",
                    "backgroundColor": "#b00020",
                    "yAxisID": "y2",
                },
            ],
        },
        "options": {
            "scales": {
                "y": {"beginAtZero": True},
                "y2": {
                    "beginAtZero": True,
                    "position": "right",
                    "grid": {"drawOnChartArea": False},
                },
            }
        },
    }
