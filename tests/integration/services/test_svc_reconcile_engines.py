"""Reconciliation on the real engines (FerretDB + Kafka): documents lost from the canonical
copy behind the service's back — which the incremental pull never brings back, nothing having
changed upstream — are restored by the periodic pass, each with a repair event on Kafka whose
id no earlier event carries; the repair shows in the sync status and /metrics."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from bench.chaos.checks import canonical_mismatches, until_clean
from services.licensing.bootstrap import SPEC

pytestmark = pytest.mark.integration
STATUS = "id.go.serdangbedagaikab.licensing.permit.status_changed"
SYNC = "{ licensingSyncStatus { reconciliation { passes repairedTotal lastError } } }"


async def test_reconciliation_restores_lost_documents_with_new_events(open_hub: Any) -> None:
    service = {"reconcile_interval_s": 1.0, "reconcile_records_per_s": 2000.0}
    async with open_hub(SPEC, service=service) as hub:
        await hub.admin("driver", {"rate": 20})  # changes flow while passes run
        await asyncio.sleep(2.0)
        await hub.admin("driver", {"rate": 0})
        assert await until_clean(lambda: canonical_mismatches(hub), timeout_s=60) == []
        coll = hub.store.collection("permit")
        lost = sorted((await coll.find(limit=100_000)).items, key=lambda d: d["_id"])[:5]
        assert len(lost) == 5
        before = await hub.events("permit")
        for doc in lost:  # behind the service's back (a restored backup, an operator)
            assert await coll.delete(doc["_id"])

        assert await until_clean(lambda: canonical_mismatches(hub), timeout_s=60) == []

        async def repairs() -> list[str]:
            events = [e for e in await hub.events("permit") if e["type"] == STATUS]
            seen = {e["id"] for e in before}
            missing = []
            for doc in lost:
                new = [e for e in events if e["subject"] == doc["_id"] and e["id"] not in seen]
                if [(e["data"]["from"], e["data"]["to"]) for e in new] != [(None, doc["status"])]:
                    missing.append(f"{doc['_id']}: {[(e['data'], e['id']) for e in new]}")
            return missing

        assert await until_clean(repairs, timeout_s=60) == []
        rec = (await hub.graphql(SYNC))["licensingSyncStatus"]["reconciliation"]
        assert rec["passes"] >= 1 and rec["repairedTotal"] >= 5 and rec["lastError"] is None
        async with hub.http.get(f"{hub.url}/sync") as r:
            plain = (await r.json())["reconciliation"]
        assert plain["passes"] >= 1 and sum(plain["repaired"].values()) >= 5
        assert plain["last_completed_at"] is not None
        async with hub.http.get(f"{hub.url}/metrics") as r:
            text = await r.text()
        repaired = [
            line
            for line in text.splitlines()
            if line.startswith("rumah_reconcile_records_repaired_total{")
        ]
        assert sum(float(line.rsplit(" ", 1)[1]) for line in repaired) >= 5
