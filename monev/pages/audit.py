"""Jejak audit: the ledger's entries (filtered), its head and latest checkpoint, and the
verification operators run from here (in chunks, so the page can show progress)."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

ENTRY_FIELDS = "seq hash recordedAt service entityType entityId event { type time opd }"
QUERY = (
    """query JejakAudit($filter: LedgerFilter, $after: String, $withEntries: Boolean!,
    $withIntegrity: Boolean!) {
  ledgerHead @include(if: $withIntegrity) { seq hash recordedAt }
  ledgerCheckpoints(first: 1) @include(if: $withIntegrity) { checkpoint seq hash time }
  history(filter: $filter, after: $after, first: 100) @include(if: $withEntries) {
    edges { node { """
    + ENTRY_FIELDS
    + """ } }
    pageInfo { endCursor hasNextPage scannedTo }
    head
  }
}"""
)
LIVE = "subscription JejakLangsung($filter: LedgerFilter) { changes(filter: $filter) { " + (
    ENTRY_FIELDS + " } }"
)
HEAD = "query KepalaBuku { ledgerHead { seq } }"
# the head as a reader without ledger:verify sees it (integrators): from its own history page
HISTORY_HEAD = """query KepalaRiwayat($filter: LedgerFilter) {
  history(filter: $filter, first: 1) { head }
}"""
REPORT = """query JejakLaporan($filter: LedgerFilter, $withIntegrity: Boolean!) {
  ledgerHead @include(if: $withIntegrity) { seq hash recordedAt }
  history(filter: $filter, first: 500) { edges { cursor } pageInfo { hasNextPage } }
}"""
REPORT_INTEGRITY = "query JejakLaporan { ledgerHead { seq hash recordedAt } }"
VERIFY = """query Verifikasi($from: Int!, $to: Int!) {
  ledgerVerification(from: $from, to: $to) {
    ok from to checked headHash anchorsChecked broken { seq kind detail }
  }
}"""
RECENT_WINDOW = 50  # without a cursor or a filter: the entries after head - this many
RECENT_WINDOW_SCOPED = 2000  # the same for an integrator, whose OPD is a part of the whole
FILTERS = {
    "layanan": "service",
    "opd": "opd",
    "jenis": "eventType",
    "entitas": "entityId",
    "tipe": "entityType",
    "jabatan": "position",
    "dari": "from",
    "sampai": "to",
}


def ledger_filter(params: dict[str, str]) -> dict[str, str]:
    out = {}
    for key, field_name in FILTERS.items():
        value = (params.get(key) or "").strip()
        if value:
            if field_name in ("from", "to") and len(value) == 10:  # a date from <input type=date>
                value += "T00:00:00+07:00" if field_name == "from" else "T23:59:59+07:00"
            out[field_name] = value[:200]
    return out


@dataclass
class Verification:
    id: str
    owner: str  # the session token's digest prefix: only its starter may watch it
    started_at: float
    head: int = 0
    checked: int = 0
    done: bool = False
    ok: bool | None = None
    broken: dict[str, Any] | None = None
    error: str | None = None
    finished_at: float | None = None
    by: str = ""
    changed: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def percent(self) -> int:
        return 100 if self.done else int(self.checked * 100 / self.head) if self.head else 0


class Verifications:
    """Verification runs of this Monev process, and the last finished one."""

    def __init__(self) -> None:
        self.runs: dict[str, Verification] = {}
        self.last: Verification | None = None

    def start(
        self, owner: str, by: str, run: Callable[[Verification], Awaitable[None]]
    ) -> Verification:
        now = time.time()
        for old in [k for k, v in self.runs.items() if v.done and now - v.started_at > 3600]:
            del self.runs[old]
        job = Verification(secrets.token_urlsafe(12), owner, time.time(), by=by)
        self.runs[job.id] = job

        async def wrapped() -> None:
            try:
                await run(job)
            except Exception as exc:  # shown to the operator; the run ends
                job.error = str(exc)[:300]
            finally:
                job.done, job.finished_at = True, time.time()
                if job.error is None:
                    self.last = job
                job.changed.set()

        job.task = asyncio.create_task(wrapped())  # type: ignore[attr-defined]
        return job


async def verify_in_chunks(
    job: Verification, ask: Callable[..., Awaitable[dict[str, Any]]], chunks: int = 20
) -> None:
    head = int((await ask(HEAD, "KepalaBuku"))["ledgerHead"]["seq"])
    job.head = head
    job.changed.set()
    if head == 0:
        job.ok = True
        return
    size = max(500, -(-head // chunks))
    start = 1
    while start <= head:
        end = min(head, start + size - 1)
        result = (await ask(VERIFY, "Verifikasi", **{"from": start, "to": end}))[
            "ledgerVerification"
        ]
        job.checked = end
        job.changed.set()
        if not result["ok"]:
            job.ok, job.broken = False, result["broken"]
            return
        start = end + 1
    job.ok = True
