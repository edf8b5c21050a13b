"""After a scenario's faults: wait (a generous deadline, not a timing assertion) until the
outbox drained and the ledger caught up, then count and check — produced = on the topic =
chained, every id once, the chain intact, the canonical copy equal to the upstream."""

from __future__ import annotations

from typing import Any

from bench.chaos.checks import (
    LedgerView,
    canonical_mismatches,
    noloss_problems,
    read_ledger,
    until_clean,
)
from bench.chaos.registry import Outcome
from bench.chaos.rig import Rig

FAMILY = "permit"  # the licensing service's status events
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"


async def settle(
    rig: Rig,
    scenario: str,
    *,
    recoveries: list[float],
    notes: dict[str, Any],
    others: frozenset[str] = frozenset(),
    timeout_s: float = 300.0,
) -> Outcome:
    async def drained() -> list[str]:
        s = await rig.sample()
        pending = await rig.store.outbox_pending(limit=1)
        waiting = s.queued or pending or s.written > s.relayed
        return [f"{s.queued:.0f} queued, pending: {bool(pending)}"] if waiting else []

    problems = await until_clean(drained, timeout_s=timeout_s)
    if not problems:
        problems = await until_clean(lambda: canonical_mismatches(rig), timeout_s=timeout_s)
    view = LedgerView([], 0)
    produced = 0

    async def reconciled() -> list[str]:
        nonlocal view, produced
        produced = int((await rig.sample()).written)
        view = await read_ledger(rig.ledger)
        docs = await rig.store.collection(FAMILY).find(limit=1_000_000)
        return await noloss_problems(
            produced=produced,
            topic_events=await rig.events(FAMILY),
            ledger=view,
            status_type=STATUS,
            stored_status={d["_id"]: d["status"] for d in docs.items},
            others=others,
        )

    if not problems:
        problems = await until_clean(reconciled, timeout_s=timeout_s, interval_s=2.0)
    return Outcome(
        scenario=scenario,
        produced=produced,
        chained=len([i for i in view.ids if i not in others]),
        duplicates=view.duplicates,
        broken=view.broken,
        max_recovery_s=max(recoveries, default=0.0),
        problems=problems,
        notes=notes,
    )
