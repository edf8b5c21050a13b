"""Faults proven on the three-node cluster (issue #10, item 5): each chaos scenario of
``bench.chaos`` at its small ``test`` size — a Kafka broker, the active controller or the
busiest leader SIGKILLed during a burst of upstream changes and restarted; the store engine
(FerretDB and its PostgreSQL) SIGKILLed and restarted; a broker killed while the store is
frozen; the ledger started 5,000 events behind while new ones arrive; a service replica
SIGKILLed mid-batch; the active ledger SIGKILLed mid-append and its standby taking over.

Each asserts on content, never on time: produced = on the topic = chained, no event id chained
twice, the chain verifies, one status event per version change (on the topic and in the
ledger), the canonical copy equal to the upstream record by record. The measured numbers
(recovery, events relayed during the outage, latencies) are printed, one line per scenario,
in the format of ``python -m bench.chaos``.
"""

from __future__ import annotations

import pytest

from bench.chaos.registry import Env, scenarios
from infra.engines import Engines
from infra.settings import InfraSettings
from services.kit.backends import BackendSettings

pytestmark = pytest.mark.integration
SCENARIOS = scenarios()


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", list(SCENARIOS))
async def test_a_fault_during_a_burst_loses_nothing_and_chains_each_event_once(
    name: str, engines: Engines, engines_settings: BackendSettings, infra_settings: InfraSettings
) -> None:
    if infra_settings.kafka_nodes < 3:
        pytest.fail(
            "the chaos scenarios need the three-node cluster: `make test` starts it "
            "(RUMAH_KAFKA_NODES=3)",
            pytrace=False,
        )
    entry = SCENARIOS[name]
    outcome = await entry.run(Env(engines, engines_settings), entry.test)
    print(f"\n{outcome.line()}")
    assert outcome.problems == [], outcome.problems[:20]
    assert outcome.produced > 0 and outcome.chained == outcome.produced
    assert outcome.duplicates == 0 and outcome.broken == 0
