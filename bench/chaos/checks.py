"""Checks shared by the no-loss fault tests and the chaos scenarios: the canonical copy equals
the upstream record by record, the log holds exactly one status event per version change, and
what the service produced is what the ledger chained — every id once, the chain intact."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Protocol

from services.kit.backends import open_backends
from services.kit.envelope import Event
from services.kit.mapping import Mapped, map_record
from services.kit.ports import DocumentStore, PortError
from services.kit.simulator.core import Simulator
from services.kit.spec import ServiceSpec
from services.ledger.core import open_ledger
from services.ledger.entry import event_of
from services.ledger.settings import LedgerSettings


class Hub(Protocol):
    """A service beside its simulator (the tests' ``Hub``, the chaos ``Rig``)."""

    @property
    def spec(self) -> ServiceSpec: ...
    @property
    def sim(self) -> Simulator: ...
    @property
    def store(self) -> DocumentStore: ...


async def canonical_mismatches(hub: Hub) -> list[str]:
    """Every way the service's canonical copy differs from its upstream now (empty: equal)."""
    out: list[str] = []
    for binding in hub.spec.entities:
        upstream: dict[str, Mapped[Any]] = {}
        for raw in hub.sim.table(binding.resource).records.values():
            m = map_record(binding.mapping, raw)
            if isinstance(m, Mapped):
                upstream[m.id] = m
        coll = hub.store.collection(binding.collection)
        # one query, not one read per id: the check must not add much load to the store
        stored = {d["_id"]: d for d in (await coll.find(limit=1_000_000)).items}
        for doc_id, m in upstream.items():
            doc = stored.get(doc_id)
            if doc is None:
                out.append(f"{binding.collection}/{doc_id}: missing")
            elif doc.get("source_hash") != m.content_hash:
                rev = binding.mapping.revision
                out.append(f"{binding.collection}/{doc_id}: {rev} {doc.get(rev)} != {m.revision}")
        extra = set(stored) - set(upstream)
        if extra:
            out.append(f"{binding.collection}: {len(extra)} documents the upstream lacks")
    return out


def status_chain_problems(
    events: list[Event], status_type: str, stored_status: dict[str, str]
) -> list[str]:
    """What is wrong with the status events on the log (empty: nothing):

    * one event id carries one content (a retried write repeats itself exactly);
    * one event per (entity, version) and per status move: the moves of each entity chain
      without gap or repeat and end in the status the canonical copy holds.
    """
    problems: list[str] = []
    by_id: dict[str, Event] = {}
    for e in events:
        first = by_id.setdefault(e["id"], e)
        if first["data"] != e["data"] or first["entityversion"] != e["entityversion"]:
            problems.append(
                f"{e['subject']}: event id {e['id']} carries two different contents: "
                f"v{first['entityversion']} {_brief(first)} / v{e['entityversion']} {_brief(e)}"
            )
    chains: dict[str, list[Event]] = defaultdict(list)
    for e in by_id.values():
        if e["type"] == status_type:
            chains[e["subject"]].append(e)
    for subject, evs in chains.items():
        evs.sort(key=lambda e: e["entityversion"])
        versions = [e["entityversion"] for e in evs]
        if len(set(versions)) != len(versions):
            problems.append(f"{subject}: two status events for one version {versions}")
        moves = [(e["data"]["from"], e["data"]["to"]) for e in evs]
        if any(a[1] != b[0] for a, b in zip(moves, moves[1:], strict=False)):
            problems.append(f"{subject}: status moves do not chain {moves}")
        if moves and subject in stored_status and moves[-1][1] != stored_status[subject]:
            problems.append(f"{subject}: last move {moves[-1]} but stored {stored_status[subject]}")
    missing = set(stored_status) - set(chains)
    if missing:
        problems.append(f"{len(missing)} entities without any status event, e.g. {min(missing)}")
    return problems


async def until_clean(
    check: Callable[[], Awaitable[list[str]]], *, timeout_s: float, interval_s: float = 0.5
) -> list[str]:
    """Poll ``check`` until it finds nothing wrong; return what it found last (``[]``: clean).
    A generous deadline, not a timing assertion: the caller asserts on the content."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            found = await check()
        except PortError as exc:  # an engine still catching up: look again
            found = [f"not checked: {exc!r}"]
        if not found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(interval_s)


def _brief(e: Event) -> str:
    d = e["data"]
    return f"{e['type'].rsplit('.', 1)[-1]} {d.get('from')}->{d.get('to')} at {e['time']}"


@dataclass(frozen=True)
class LedgerView:
    """What the ledger chained: each entry's event, in chain order, and whether the chain
    verifies."""

    events: list[dict[str, Any]]
    broken: int  # 0: the chain verifies; 1: it does not

    @property
    def ids(self) -> list[str]:
        return [str(e["id"]) for e in self.events]

    @property
    def duplicates(self) -> int:
        return len(self.ids) - len(set(self.ids))


async def read_ledger(settings: LedgerSettings) -> LedgerView:
    """Every entry of the ledger ``settings`` names (its own client; read only)."""
    async with open_backends(settings.backends, db=settings.db) as (store, _):
        led = await open_ledger(settings, store, None, writing=False)
        last = await led.entries.last()
        events = [event_of(d) async for d in led.entries.scan(1, last)]
        verified = await led.verify()
    return LedgerView(events, 0 if verified.broken is None else 1)


async def noloss_problems(
    *,
    produced: int,
    topic_events: list[Event],
    ledger: LedgerView,
    status_type: str,
    stored_status: dict[str, str],
    others: frozenset[str] = frozenset(),
) -> list[str]:
    """What is wrong between produced, logged and chained (empty: nothing):

    * produced (events the store confirmed) = distinct ids on the topic = chained (the
      ledger's entries but ``others``, events published beside the service's, each of which
      must be chained too);
    * no event id chained twice, the chain verifies;
    * on the topic and in the ledger alike: one status event per (entity, version), moves
      that chain without gap or repeat, ending in the stored status.
    """
    problems: list[str] = []
    topic_events = [e for e in topic_events if e["id"] not in others]
    on_topic = {e["id"] for e in topic_events}
    mine = [e for e in ledger.events if e["id"] not in others]
    chained = {str(e["id"]) for e in mine}
    if not produced == len(on_topic) == len(chained):
        problems.append(
            f"produced {produced}, on the topic {len(on_topic)}, chained {len(chained)}"
        )
    if on_topic != chained:
        problems.append(
            f"{len(on_topic - chained)} ids on the topic not chained, "
            f"{len(chained - on_topic)} chained not on the topic"
        )
    missing = others - set(ledger.ids)
    if missing:
        problems.append(f"{len(missing)} of {len(others)} other events not chained")
    if ledger.duplicates:
        problems.append(f"{ledger.duplicates} event ids chained more than once")
    if ledger.broken:
        problems.append("the ledger's chain does not verify")
    problems += status_chain_problems(topic_events, status_type, stored_status)
    problems += [f"ledger: {p}" for p in status_chain_problems(mine, status_type, stored_status)]
    return problems
