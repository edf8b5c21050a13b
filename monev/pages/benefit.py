"""Manfaat anggaran — is the money used? For each application: what was spent building and
running it (the registry's funding links × the finance budget lines' realisation) against its
use (events its Rumah service produced, requests through the gateway that touched it) over
two windows. Spend with (near) no visible use is flagged; the thresholds are settings.

Usage sources sit behind one small interface (``UsageSource``) so the request count can come
in when the gateway's access records exist (issue #9); until then it says "not recorded".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any, Protocol

from monev.pages.overview import SERVICES


def query(with_usage: bool = True) -> str:
    """The page's one request; without the ledger's counts for roles that may not read
    entries (operators)."""
    usage = "".join(
        f'  {s}{w}: history(filter: {{service: "{s}", from: $from{w}}}, first: $cap) '
        "{ edges { cursor } pageInfo { hasNextPage } }\n"
        for s in SERVICES
        for w in (30, 90)
    )
    args = "$opd: String, $from30: DateTime!, $from90: DateTime!, $cap: Int!"
    return (
        QUERY_HEAD.replace("$ARGS", args if with_usage else "$opd: String")
        + (usage if with_usage else "")
        + "}"
    )


QUERY_HEAD = (
    """query ManfaatAnggaran($ARGS) {
  applications(ownerOpd: $opd, first: 200) {
    items {
      id name ownerOpd stage
      owner { id name holder { name } }
      funding { purpose fiscalYear sharePercent
                activity { code budget { id dpaNumber ceiling realisation realisationPercent } } }
"""
    + "".join(f"      {s}Sync {{ service }}\n" for s in SERVICES)
    + """    }
  }
  activities(first: 200) { items { code name } }
"""
)


@dataclass(frozen=True)
class Count:
    value: int
    exact: bool  # False: at least ``value`` (the count stopped at the cap)

    def __str__(self) -> str:
        return f"{self.value}" if self.exact else f"{self.value}+"


class UsageSource(Protocol):
    """How much an application was used in a window; None: this source cannot tell."""

    name: str

    def count(self, app_id: str, service: str | None, days: int) -> Count | None: ...


class LedgerEvents:
    """Events the application's Rumah service produced (the ledger's ``history``, counted in
    the same request as the page)."""

    name = "events"

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data

    def count(self, app_id: str, service: str | None, days: int) -> Count | None:
        if service is None:
            return None
        part = self.data.get(f"{service}{days}")
        if part is None:
            return None
        return Count(len(part["edges"]), not part["pageInfo"]["hasNextPage"])


class GatewayRequests:
    """Requests through the gateway that read the application: the gateway's access records,
    chained by the ledger and found by its ``reads`` filter (``Application:<id>``). Only a
    reader with ``access:read`` (auditors) may count them; for others it cannot tell."""

    name = "requests"

    def __init__(self, data: dict[str, Any] | None) -> None:
        self.data = data  # the answer of ``requests_query``; None: not asked (no access:read)
        self.ids: dict[str, int] = {}

    def count(self, app_id: str, service: str | None, days: int) -> Count | None:
        if self.data is None or app_id not in self.ids:
            return None
        part = self.data.get(f"a{self.ids[app_id]}_{days}")
        if part is None:
            return None
        return Count(len(part["edges"]), not part["pageInfo"]["hasNextPage"])


def requests_query(app_ids: list[str]) -> str:
    """One request counting, per application and window, the access records that read it."""
    parts = "".join(
        f"  a{i}_{w}: history(filter: {{reads: {json.dumps('Application:' + app_id)}, "
        f"from: $from{w}}}, first: $cap) {{ edges {{ cursor }} pageInfo {{ hasNextPage }} }}\n"
        for i, app_id in enumerate(app_ids)
        for w in (30, 90)
    )
    return (
        "query ManfaatPermintaan($from30: DateTime!, $from90: DateTime!, $cap: Int!) {\n"
        + parts
        + "}"
    )


@dataclass
class FundingLine:
    code: str
    name: str
    purpose: str
    share: int
    ceiling: Decimal | None
    realisation: Decimal | None
    budget_id: str | None

    @property
    def spent(self) -> Decimal:
        return (self.realisation or Decimal(0)) * self.share / 100

    @property
    def allotted(self) -> Decimal:
        return (self.ceiling or Decimal(0)) * self.share / 100


@dataclass
class AppBenefit:
    id: str
    name: str
    opd: str
    stage: str
    service: str | None
    owner: str
    holder: str | None
    lines: list[FundingLine] = field(default_factory=list)
    usage: dict[str, dict[int, Count | None]] = field(default_factory=dict)
    flagged: bool = False
    reason: str | None = None  # unmeasured | low_use

    @property
    def spent(self) -> Decimal:
        return sum((ln.spent for ln in self.lines), Decimal(0))

    @property
    def allotted(self) -> Decimal:
        return sum((ln.allotted for ln in self.lines), Decimal(0))


def variables(now: datetime, windows: tuple[int, int], cap: int, opd: str | None) -> dict[str, Any]:
    return {
        "opd": opd,
        "cap": cap,
        "from30": (now - timedelta(days=windows[0])).isoformat(),
        "from90": (now - timedelta(days=windows[1])).isoformat(),
    }


def build(
    data: dict[str, Any],
    sources: list[UsageSource],
    windows: tuple[int, int],
    *,
    min_spend: int,
    max_events: int,
) -> list[AppBenefit]:
    names = {a["code"]: a["name"] for a in data["activities"]["items"]}
    out = []
    for app in data["applications"]["items"]:
        sync = next((app[f"{s}Sync"] for s in SERVICES if app.get(f"{s}Sync")), None)
        holder = app["owner"].get("holder")
        row = AppBenefit(
            app["id"],
            app["name"],
            app["ownerOpd"],
            app["stage"],
            sync["service"] if sync else None,
            app["owner"]["name"],
            holder["name"] if holder else None,
        )
        for f in app["funding"]:
            budget = f["activity"].get("budget")
            code = f["activity"]["code"]
            row.lines.append(
                FundingLine(
                    code,
                    names.get(code, code),
                    f["purpose"],
                    f["sharePercent"],
                    Decimal(str(budget["ceiling"])) if budget else None,
                    Decimal(str(budget["realisation"])) if budget else None,
                    budget["id"] if budget else None,
                )
            )
        for source in sources:
            row.usage[source.name] = {
                days: source.count(row.id, row.service, key)
                for days, key in zip(windows, (30, 90), strict=True)
            }
        first = row.usage.get("events", {}).get(windows[0])
        if row.spent >= min_spend and row.spent > 0:
            if first is None:
                row.flagged, row.reason = True, "unmeasured"
            elif first.exact and first.value <= max_events:
                row.flagged, row.reason = True, "low_use"
        out.append(row)
    out.sort(key=lambda r: (not r.flagged, -r.spent))
    return out
