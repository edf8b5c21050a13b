"""The ledger with a standby on Kafka + FerretDB: the active process is SIGKILLed mid-append
(after a batch was appended, before its offsets were committed), the standby takes the lease
and continues the chain from the durable head. Every produced event ends in the ledger
exactly once, at gapless positions of ONE chain that verifies (no fork).

``standby_takeover`` (in ``bench.chaos.replicas``) is the scenario body; ``python -m bench.chaos
--only ledger-standby-takeover`` runs it larger."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from ledger_engines import Cli

from bench.chaos.replicas import standby_takeover
from services.ledger.settings import LedgerSettings

pytestmark = pytest.mark.integration


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
