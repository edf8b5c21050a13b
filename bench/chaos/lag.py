"""A consumer far behind catching up while new events arrive: ``size.backlog`` status events
(licensing and personnel, as the services publish them) wait on the topics before the ledger
starts; it starts while the licensing service turns a burst of upstream changes into new
events behind them. Measured: how long the ledger takes to reach the head, and the
change-to-ledger latency of the new events (upstream change in the simulator → entry chained,
seen by a reader polling the ledger's store every ``POLL_S``), for those made while it was
catching up and for those made after. Nothing may be lost or chained twice."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bench.chaos.registry import Env, Outcome, Size, register
from bench.chaos.rig import Rig, open_rig
from bench.chaos.verdict import settle
from services.kit.backends import open_backends
from services.kit.envelope import Event, encode
from services.kit.ports import EventLog
from services.kit.testing import serve_app
from services.ledger.app import create_app as create_ledger_app
from services.ledger.core import open_ledger
from services.ledger.entry import event_of
from services.ledger.testing import mutation_event, permit_event, topic_of
from services.licensing.bootstrap import SPEC

POLL_S = 0.05  # the latency reader's resolution


def backlog_events(n: int) -> list[Event]:
    """``n`` valid status events: three permit moves to one personnel mutation."""
    return [permit_event(i) if i % 4 else mutation_event(i) for i in range(n)]


async def publish(log: EventLog, prefix: str, events: Sequence[Event]) -> None:
    by_topic: dict[str, list[tuple[str, bytes]]] = defaultdict(list)
    for ev in events:
        by_topic[topic_of(ev, prefix)].append((ev["subject"], encode(ev)))
    for topic, items in by_topic.items():
        for i in range(0, len(items), 500):
            await log.publish_many(topic, items[i : i + 500])


@dataclass
class Seen:
    """What the reader saw the ledger chain, and when."""

    backlog_chained: int = 0
    caught_up_at: float | None = None  # when the last backlog event was chained
    # (latency s, changed while the ledger was still catching up?)
    latencies: list[tuple[float, bool]] = field(default_factory=list)


async def _read_ledger(rig: Rig, others: frozenset[str], seen: Seen) -> None:
    """Poll the ledger's store; time each new entry against its upstream change."""
    async with open_backends(rig.ledger.backends, db=rig.ledger.db) as (store, _):
        led = await open_ledger(rig.ledger, store, None, writing=False)
        done = 0
        while True:
            last = await led.entries.last()
            now = time.monotonic()
            async for doc in led.entries.scan(done + 1, last):
                done = max(done, int(doc["seq"]))
                if doc["eventId"] in others:
                    seen.backlog_chained += 1
                    if seen.backlog_chained == len(others):
                        seen.caught_up_at = now
                    continue
                event = event_of(doc)
                key = (str(event["subject"]), str(event["data"].get("upstreamChangedAt")))
                changed = rig.changed_at.get(key)
                if changed is not None:
                    behind = seen.caught_up_at is None or changed < seen.caught_up_at
                    seen.latencies.append((now - changed, behind))
            await asyncio.sleep(POLL_S)


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


SIZES = {  # a lag of 100k events in the full size
    "test": Size(changes=200, backlog=5_000),
    "quick": Size(changes=600, backlog=30_000),
    "full": Size(changes=2_000, backlog=100_000),
}


@register("consumer-behind", **SIZES)
async def consumer_behind(env: Env, size: Size) -> Outcome:
    async with open_rig(env.backends, SPEC, ledger=False) as rig:
        rig.timing = True
        events = backlog_events(size.backlog)
        others = frozenset(str(e["id"]) for e in events)
        t0 = time.monotonic()
        await publish(rig.log, rig.prefix, events)
        notes: dict[str, Any] = {"backlog": size.backlog, "changes": size.changes}
        notes["backlog_published_s"] = round(time.monotonic() - t0, 1)
        seen = Seen()
        async with serve_app(create_ledger_app(rig.ledger)):
            started = time.monotonic()
            reader = asyncio.create_task(_read_ledger(rig, others, seen))
            try:
                await rig.burst(size.changes, size.rate)
                outcome = await settle(
                    rig, "consumer-behind", recoveries=[], notes=notes, others=others
                )
                while seen.caught_up_at is None and not reader.done():  # noqa: ASYNC110
                    await asyncio.sleep(POLL_S)
            finally:
                reader.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await reader
    catch_up = (seen.caught_up_at or float("nan")) - started
    behind = [s for s, b in seen.latencies if b]
    after = [s for s, b in seen.latencies if not b]
    notes["caught_up_s"] = round(catch_up, 1)
    notes["timed"] = len(seen.latencies)  # status events matched to their upstream change
    notes["p50_while_behind_s"] = round(_pct(behind, 0.5), 2)
    notes["p99_while_behind_s"] = round(_pct(behind, 0.99), 2)
    notes["p50_after_s"] = round(_pct(after, 0.5), 2)
    notes["p99_after_s"] = round(_pct(after, 0.99), 2)
    outcome.max_recovery_s = catch_up  # here: time until the consumer reached the head
    return outcome
