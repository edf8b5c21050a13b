"""The ledger with a standby on Kafka + FerretDB: the active process is SIGKILLed mid-append
(after a batch was appended, before its offsets were committed), the standby takes the lease
and continues the chain from the durable head. Every produced event ends in the ledger
exactly once, at gapless positions of ONE chain that verifies (no fork).

``standby_takeover`` is the scenario as a plain function (bench.chaos can run it larger)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from ledger_engines import Cli, settings_env, until
from test_ledger_engines_crash import LedgerProcess, events, publish, stored_event_ids

from services.kit.backends import open_backends
from services.kit.envelope import Event
from services.kit.ports import EventLog
from services.ledger.settings import LedgerSettings

pytestmark = pytest.mark.integration

LEASE_ENV = {
    "RUMAH_LEDGER_STANDBY": "true",
    "RUMAH_LEASE_TTL_S": "4",
    "RUMAH_LEASE_MARGIN_S": "1",
    "RUMAH_LEASE_POLL_S": "0.2",
}


async def publish_slowly(log: EventLog, prefix: str, batch: list[Event]) -> None:
    for i in range(0, len(batch), 50):
        await publish(log, prefix, batch[i : i + 50])
        await asyncio.sleep(0.1)


async def standby_takeover(
    settings: LedgerSettings,
    logs: Path,
    *,
    first: int = 1200,
    later: int = 600,
    pause_after_append_s: float = 1.0,
) -> dict[str, Any]:
    """Two ledger processes (active + standby); the active one SIGKILLed mid-append
    (``pause_after_append_s`` > 0: after an append, before its commit; 0: wherever it is).

    Returns produced / stored / distinct / duplicates / gapless / epoch / takeover_s."""
    prefix, env = settings.topic_prefix, {**settings_env(settings), **LEASE_ENV}
    total = first + later
    async with (
        open_backends(settings.backends, db="unused") as (_, log),
        aiohttp.ClientSession() as http,
    ):
        active = LedgerProcess(env, http, logs / "ledger-a.log")
        standby = LedgerProcess(env, http, logs / "ledger-b.log")
        trickle: asyncio.Task[None] | None = None
        try:
            if pause_after_append_s:
                await publish(log, prefix, events(0, first))
            await active.start(pause_after_append_s=pause_after_append_s)

            async def role(p: LedgerProcess, wanted: str) -> bool:
                found = await p.status()
                return bool(found and found["role"] == wanted)

            await until(lambda: role(active, "active"), what="first process active")
            await standby.start()
            await until(lambda: role(standby, "standby"), what="second process standing by")
            if not pause_after_append_s:  # a steady stream: appending whenever it is killed
                trickle = asyncio.create_task(publish_slowly(log, prefix, events(0, first)))
            seen = -1

            async def appended_past(mark: int) -> bool:
                nonlocal seen
                head = await active.head()
                moved = seen >= 0 and head > seen
                seen = head
                # with the pause: right after an append (the head just moved); without it:
                # as soon as it is past the mark, wherever the appender is
                return (moved or not pause_after_append_s) and head >= mark

            await until(lambda: appended_past(300), what="active head ≥ 300", interval_s=0.01)
            await active.kill()
            killed, killed_at = time.monotonic(), seen
            if trickle is not None:
                await trickle
            await publish(log, prefix, events(first, first + later // 2))  # while nobody appends
            await until(lambda: role(standby, "active"), what="standby took over", timeout_s=60)
            takeover_s = time.monotonic() - killed
            await publish(log, prefix, events(first + later // 2, total) + events(0, 50))

            async def all_appended() -> bool:
                return await standby.head() >= total

            await until(all_appended, what=f"ledger head {total}", timeout_s=240)
            await asyncio.sleep(1.0)  # anything beyond would be a duplicate: let it show
            status = await standby.status()
            assert status is not None
        finally:
            if trickle is not None and not trickle.done():
                trickle.cancel()
            await active.stop()
            await standby.stop()
    stored = await stored_event_ids(settings)
    ids = [eid for _, eid in stored]
    return {
        "produced": total,
        "stored": len(stored),
        "distinct": len(set(ids)),
        "duplicates": sum(n - 1 for n in Counter(ids).values()),
        "missing": len({ev["id"] for ev in events(0, total)} - set(ids)),
        "gapless": [seq for seq, _ in stored] == list(range(1, len(stored) + 1)),
        "epoch": status["epoch"],
        "takeover_s": round(takeover_s, 1),
        "head_at_kill": killed_at,
    }


@pytest.mark.parametrize("pause_after_append_s", [1.0, 0.0], ids=["before-commit", "anywhere"])
async def test_standby_takes_over_a_killed_ledger_and_the_chain_neither_forks_nor_loses(
    ledger_settings: LedgerSettings, cli: Cli, tmp_path: Path, pause_after_append_s: float
) -> None:
    counts = await standby_takeover(
        ledger_settings, tmp_path, pause_after_append_s=pause_after_append_s
    )
    print("ledger standby takeover:", counts)
    assert 0 < counts["head_at_kill"] < 1200  # killed mid-work, not before nor after
    assert counts["epoch"] == 2  # the standby's tenure follows the killed one's
    assert counts["gapless"]
    assert counts["stored"] == counts["distinct"] == counts["produced"]
    assert counts["duplicates"] == 0 and counts["missing"] == 0
    status, out, err = await cli("ledger", "verify", "--json")
    assert status == 0, (out, err)
    result = orjson.loads(out)
    assert (result["ok"], result["checked"]) == (True, counts["produced"])  # one chain, intact
