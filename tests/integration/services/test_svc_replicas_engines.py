"""Replicas of the licensing service on Kafka + FerretDB: two processes share the work of
the intake topic; one is SIGKILLed mid-batch and the other takes its share. Every record
produced ends stored at its newest revision, each change once as an event (no change lost,
none applied twice under two event ids), and the copies a crash republishes carry the same
id and bytes.

``replica_kill`` (in ``bench.chaos.replicas``) is the scenario body; ``python -m bench.chaos
--only replica-killed`` runs it larger."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.chaos.replicas import replica_kill

pytestmark = pytest.mark.integration


async def test_a_replica_killed_mid_batch_hands_its_share_over_without_loss_or_duplicate(
    kafka_bootstrap: str, mongo_url: str, tmp_path: Path
) -> None:
    counts = await replica_kill(kafka_bootstrap, mongo_url, tmp_path, records=1500)
    print("service replica kill:", counts)
    assert 0 < counts["stored_at_kill"] < 1500  # killed mid-work, not before nor after
    assert counts["stored"] == 1500
    # each change once, under one id: as many distinct ids as (permit, status) changes
    assert counts["events_distinct"] == counts["expected_events"] == counts["changes"]
    assert counts["same_bytes_per_id"]
    assert counts["problems"] == []  # the shared no-loss checks, the ledger's chain included
