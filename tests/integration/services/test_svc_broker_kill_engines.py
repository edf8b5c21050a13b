"""The Kafka broker SIGKILLed during a burst of upstream changes, restarted: events flow again
within seconds of its return, readiness says not-ready while they cannot, and nothing is lost
or duplicated — produced (events written) = on the topic = chained by the ledger, every id
once, the chain intact, the canonical copy equal to the upstream record by record.

Here every node of the group dies at once (in ``make test`` all three brokers of the cluster);
the node-by-node cluster faults are the chaos scenarios (``test_svc_chaos_engines.py``)."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from bench.chaos.checks import until_clean
from bench.chaos.rig import open_rig
from bench.chaos.verdict import settle
from infra import faults
from infra.engines import Engines
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration
RATE = 15  # upstream changes per second: FerretDB keeps up with this


@pytest.mark.timeout(600)
@pytest.mark.parametrize("broker", ["kafka"])
async def test_a_broker_killed_during_a_burst_loses_nothing_and_recovers_in_seconds(
    engines: Engines, engines_settings: Any, broker: Any
) -> None:
    async with open_rig(engines_settings, SPEC) as rig:
        await rig.admin("driver", {"rate": RATE})
        await asyncio.sleep(3.0)
        await faults.kill(engines, broker)
        killed = time.monotonic()
        await asyncio.sleep(8.0)  # the burst goes on: events wait in the outbox

        async def outbox_not_ready() -> list[str]:
            status, body = await rig.ready()
            return [] if status == 503 and "outbox" in body["failing"] else [str(body)]

        assert await until_clean(outbox_not_ready, timeout_s=60) == []
        relayed_before = (await rig.sample()).relayed
        await engines.start(broker)
        back = time.monotonic()
        samples: list[tuple[float, int]] = []  # (seconds after the return, readiness)
        while (await rig.sample()).relayed <= relayed_before:
            assert time.monotonic() - back < 180, "events did not flow again"
            samples.append((time.monotonic() - back, (await rig.ready())[0]))
            await asyncio.sleep(0.1)
        flowing = time.monotonic() - back
        # readiness never said ready while no event could be relayed
        assert all(s == 503 for _, s in samples), samples
        await asyncio.sleep(2.0)
        await rig.admin("driver", {"rate": 0})
        notes = {"victim": broker, "down_s": round(back - killed, 1)}
        outcome = await settle(rig, "all-brokers-killed", recoveries=[flowing], notes=notes)
    print(f"\n{outcome.line()}")
    assert outcome.problems == [], outcome.problems[:20]
    assert outcome.produced > 0 and outcome.chained == outcome.produced
    assert outcome.duplicates == 0 and outcome.broken == 0
