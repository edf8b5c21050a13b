"""What a budget or SP2D change means.

A budget line emits ``budget.revised`` when its pagu changes and
``budget.realisation_updated`` when its realisasi does (both on ``rumah.finance.budget``,
subject = budget line id). An SP2D emits ``disbursement.issued`` / ``disbursement.cancelled``;
an SP2D that is issued or cancelled never goes back, so such a record is refused.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from services.kit.ports import Document
from services.kit.spec import Event, Reaction

BUDGET, DISBURSEMENT = "budget_line", "disbursement"
_FINAL = ("issued", "cancelled")


def realisation_percent(realisation: Decimal, ceiling: Decimal) -> float:
    return 0.0 if ceiling == 0 else round(float(realisation / ceiling * 100), 2)


def react_budget(old: Document | None, new: Document, now: datetime) -> Reaction:
    line = new["_id"]
    common = {
        "budgetLineId": line,
        "activityCode": new["activity_code"],
        "fiscalYear": new["fiscal_year"],
        "opd": new["opd"],
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    events = []
    before = old["ceiling"] if old else None
    if before is None or Decimal(before) != Decimal(new["ceiling"]):
        data = {**common, "phase": new["phase"], "from": before, "to": new["ceiling"]}
        events.append(Event("budget.revised", line, data))
    was = Decimal(old["realisation"]) if old else Decimal(0)
    if was != Decimal(new["realisation"]):
        rate = realisation_percent(Decimal(new["realisation"]), Decimal(new["ceiling"]))
        data = {
            **common,
            "from": old and old["realisation"],
            "to": new["realisation"],
            "ceiling": new["ceiling"],
            "percent": rate,
        }
        events.append(Event("budget.realisation_updated", line, data))
    return Reaction(new, events)


def react_disbursement(old: Document | None, new: Document, now: datetime) -> Reaction:
    before, after = (old["status"] if old else None), new["status"]
    if before == after:
        return Reaction(new)
    if before in _FINAL:
        raise ValueError(f"an SP2D that is {before} cannot become {after}")
    if after == "processing":
        return Reaction(new)
    data = {
        "number": new["_id"],
        "activityCode": new["activity_code"],
        "fiscalYear": new["fiscal_year"],
        "kind": new["kind"],
        "amount": new["amount"],
        "recipient": new["recipient"],
        "issuedOn": new.get("issued_on"),
        "upstreamChangedAt": new.get("source_updated_at"),
    }
    kind = "disbursement.issued" if after == "issued" else "disbursement.cancelled"
    return Reaction(new, [Event(kind, new["_id"], data)])
