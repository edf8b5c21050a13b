"""Checks shared by the no-loss fault tests: the canonical copy equals the upstream record by
record, and the log holds exactly one status event per version change."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from typing import Any

from services.kit.envelope import Event
from services.kit.mapping import Mapped, map_record
from services.kit.ports import PortError
from tests.integration.services.conftest import Hub


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
