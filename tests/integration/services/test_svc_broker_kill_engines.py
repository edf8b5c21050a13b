"""The Kafka broker SIGKILLed during a burst of upstream changes, restarted: events flow again
within seconds of its return, readiness says not-ready while they cannot, and nothing is lost
or duplicated — produced (events written) = on the topic = chained by the ledger, every id
once, the chain intact, the canonical copy equal to the upstream record by record.

Parametrized by the broker to kill: the single local node today; the nodes of a cluster
(and its controller) once ``infra`` starts one."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
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
from services.kit.backends import open_backends
from services.kit.testing import scrape_metrics, serve_app
from services.ledger.app import create_app as create_ledger_app
from services.ledger.core import open_ledger
from services.ledger.settings import LedgerSettings
from services.licensing.bootstrap import SPEC
from tests.integration.services.conftest import Hub

pytestmark = pytest.mark.integration
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"
SVC = frozenset({("service", "licensing")})
RATE = 15  # upstream changes per second: FerretDB on SQLite (one writer) keeps up with this


@contextlib.asynccontextmanager
async def in_process_ledger(hub: Hub, settings: LedgerSettings) -> AsyncIterator[None]:
    try:
        async with serve_app(create_ledger_app(settings)):
            yield
    finally:
        async with open_backends(settings.backends, db=settings.db) as (store, _):
            await store.db.client.drop_database(settings.db)  # type: ignore[attr-defined]


async def _metric(hub: Hub, name: str, labels: frozenset[Any] = SVC) -> float:
    return (await scrape_metrics(hub.http, hub.url)).get((name, labels), 0.0)


async def _written(hub: Hub) -> float:
    m = await scrape_metrics(hub.http, hub.url)
    return sum(v for (n, _), v in m.items() if n == "rumah_events_written_total")


@pytest.mark.timeout(600)
@pytest.mark.parametrize("broker", ["kafka"])
async def test_a_broker_killed_during_a_burst_loses_nothing_and_recovers_in_seconds(
    open_hub: Any, engines: Engines, engines_settings: Any, broker: Any
) -> None:
    async with open_hub(SPEC) as hub:
        ledger = LedgerSettings(
            backends=engines_settings,
            db=f"it_ledger_{uuid.uuid4().hex[:10]}",
            topic_prefix=hub.prefix,
            checkpoint_interval_s=1.0,
            poll_interval_s=0.1,
            subgraph_auth=hub.keys.subgraph_settings(),
        )
        async with in_process_ledger(hub, ledger):
            await hub.admin("driver", {"rate": RATE})
            await asyncio.sleep(3.0)
            await faults.kill(engines, broker)
            killed = time.monotonic()
            await asyncio.sleep(8.0)  # the burst goes on: events wait in the outbox

            async def outbox_not_ready() -> list[str]:
                status, body = await hub.ready()
                return [] if status == 503 and "outbox" in body["failing"] else [str(body)]

            assert await until_clean(outbox_not_ready, timeout_s=60) == []
            relayed_before = await _metric(hub, "rumah_outbox_relayed_total")
            await engines.start(broker)
            back = time.monotonic()
            samples: list[tuple[float, int]] = []  # (seconds after the return, readiness)
            while await _metric(hub, "rumah_outbox_relayed_total") <= relayed_before:
                assert time.monotonic() - back < 180, "events did not flow again"
                samples.append((time.monotonic() - back, (await hub.ready())[0]))
                await asyncio.sleep(0.1)
            flowing = time.monotonic() - back
            # readiness never said ready while no event could be relayed
            assert all(s == 503 for _, s in samples), samples
            await asyncio.sleep(2.0)
            await hub.admin("driver", {"rate": 0})

            async def outbox_drained() -> list[str]:
                queued = await _metric(hub, "rumah_outbox_queued")
                pending = await hub.store.outbox_pending(limit=1)
                waiting = queued or pending
                return [f"{queued:.0f} queued, pending: {bool(pending)}"] if waiting else []

            assert await until_clean(outbox_drained, timeout_s=180) == []
            drained = time.monotonic() - back
            mismatches = await until_clean(lambda: canonical_mismatches(hub), timeout_s=180)
            assert mismatches == [], mismatches[:10]

            async def reconcile() -> list[str]:
                return await _reconcile(hub, ledger)

            problems = await until_clean(reconcile, timeout_s=180)
            assert problems == [], problems[:20]
            counts = await _counts(hub, ledger)
        print(
            f"\nbroker {broker} SIGKILLed, back after {back - killed:.1f}s: events flowing "
            f"{flowing:.1f}s after its return, outbox drained after {drained:.1f}s; "
            f"produced={counts['produced']} on_topic={counts['on_topic']} "
            f"chained={counts['chained']} duplicates=0 broken=0"
        )


async def _counts(hub: Hub, ledger: LedgerSettings) -> dict[str, int]:
    events = await hub.events("permit")
    async with open_backends(ledger.backends, db=ledger.db) as (store, _):
        led = await open_ledger(ledger, store, None, writing=False)
        last = await led.entries.last()
        chained = [d["eventId"] async for d in led.entries.scan(1, last)]
        verified = await led.verify()
    return {
        "produced": int(await _written(hub)),
        "on_topic": len({e["id"] for e in events}),
        "chained": len(chained),
        "chained_distinct": len(set(chained)),
        "broken": 0 if verified.broken is None else 1,
    }


async def _reconcile(hub: Hub, ledger: LedgerSettings) -> list[str]:
    c = await _counts(hub, ledger)
    problems = []
    if not c["produced"] == c["on_topic"] == c["chained"]:
        problems.append(
            f"produced {c['produced']}, on the topic {c['on_topic']}, chained {c['chained']}"
        )
    if c["chained"] != c["chained_distinct"]:
        problems.append(f"{c['chained'] - c['chained_distinct']} duplicate ids in the ledger")
    if c["broken"]:
        problems.append("the ledger's chain does not verify")
    docs = await hub.store.collection("permit").find(limit=100_000)
    stored = {d["_id"]: d["status"] for d in docs.items}
    problems += status_chain_problems(await hub.events("permit"), STATUS, stored)
    return problems
