"""No lost update on the real engines: the store (FerretDB) fails during a pull while the
upstream keeps changing, then the upstream goes quiet and the store comes back. Afterwards
the canonical copy equals the upstream record by record, and the log holds exactly one
status event per version change. Three faults: a clean stop, a crash (SIGKILL), and a store
that times out (SIGSTOP: sockets open, no answers; requests sent meanwhile still execute
after SIGCONT)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import pytest

from bench.chaos.checks import (
    canonical_mismatches,
    status_chain_problems,
    until_clean,
)
from infra import faults
from infra.engines import Engines
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"


@contextlib.asynccontextmanager
async def _store_fault(engines: Engines, kind: str) -> AsyncIterator[None]:
    if kind == "freeze":
        async with faults.frozen(engines, "ferretdb"):
            yield
        return
    if kind == "kill":
        await faults.kill(engines, "ferretdb")
    else:
        await engines.stop("ferretdb")
    try:
        yield
    finally:
        await engines.start("ferretdb")


@pytest.mark.parametrize(
    ("kind", "write_timeout_s"),
    [("stop", 60.0), ("kill", 60.0), ("freeze", 60.0), ("freeze", 1.5)],
    ids=["stop", "kill", "freeze", "freeze-past-the-write-timeout"],
)
async def test_a_store_outage_during_a_pull_loses_no_update(
    open_hub: Any, engines: Engines, kind: str, write_timeout_s: float
) -> None:
    """``freeze-past-the-write-timeout``: writes are given up on while FerretDB holds them,
    and FerretDB executes them after the thaw (late writes)."""
    async with open_hub(SPEC, store_write_timeout_s=write_timeout_s) as hub:
        await hub.admin("driver", {"rate": 25})
        await asyncio.sleep(2.0)
        async with _store_fault(engines, kind):
            await asyncio.sleep(2.5)  # changes keep coming while writes fail or time out
            await hub.admin("driver", {"rate": 0})  # …then the upstream goes quiet
            changes = sum(t.revision for t in hub.sim.tables.values())
            await asyncio.sleep(2.0)
        back = time.monotonic()
        mismatches = await until_clean(lambda: canonical_mismatches(hub), timeout_s=120)
        assert mismatches == [], mismatches[:20]
        caught_up = time.monotonic() - back
        problems = await until_clean(lambda: _log_problems(hub), timeout_s=120)
        if problems:
            print("\n".join(problems[:20]), *await _raw(hub, problems), sep="\n")
        assert problems == [], problems[:20]
        print(
            f"\n{kind} (writes wait {write_timeout_s}s): {changes} upstream changes; canonical "
            f"= upstream {caught_up:.1f}s after the store was back; one status event per move"
        )


async def _log_problems(hub: Any) -> list[str]:
    events = await hub.events("permit")
    docs = await hub.store.collection("permit").find(limit=100_000)
    stored = {d["_id"]: d["status"] for d in docs.items}
    return status_chain_problems(events, STATUS, stored)


async def _raw(hub: Any, problems: list[str]) -> list[Any]:
    """The stored documents (with their outbox) of the entities named in ``problems``."""
    ids = [p.split(":", 1)[0] for p in problems[:5]]
    db = hub.store.db  # MongoDocumentStore: the raw engine view, for the failure message
    events = await hub.events("permit")
    return [
        (
            await db["permit"].find_one({"_id": i}, {"_outbox": 0}),
            [
                (
                    e["entityversion"],
                    e["type"][-14:],
                    e["data"].get("from"),
                    e["data"].get("to"),
                    e["time"],
                    e["id"][:8],
                )
                for e in events
                if e["subject"] == i
            ],
        )
        for i in ids
    ]
