"""The ledger service as a real process on Kafka + FerretDB, killed with SIGKILL mid-batch
and restarted: the ledger ends with every published event exactly once, at gapless
positions, and verifies. Checkpoints go to the anchor topic, stay there, and expose a
history rewritten inside the store."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import orjson
import pytest
from ledger_engines import Cli, forge
from pymongo import AsyncMongoClient

from bench.chaos.lag import publish
from bench.chaos.replicas import LedgerProcess, events, settings_env, stored_event_ids, until
from services.kit.backends import open_backends
from services.kit.ports import EventLog, read_to_end
from services.kit.testing import serve_app
from services.ledger.anchor_topic import anchor_retention
from services.ledger.app import create_app
from services.ledger.chain import entry_hash, seq_id
from services.ledger.settings import LedgerSettings

pytestmark = pytest.mark.integration


@asynccontextmanager
async def ledger_process(settings: LedgerSettings, tmp_path: Path) -> AsyncIterator[LedgerProcess]:
    async with aiohttp.ClientSession() as http:
        process = LedgerProcess(settings_env(settings), http, tmp_path / "ledger.log")
        try:
            yield process
        finally:
            await process.stop()


async def anchors(log: EventLog, topic: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    async for records in read_to_end(log, [topic]):
        found += [orjson.loads(r.value) for r in records]
    return found


async def test_killed_mid_batch_and_restarted_no_gap_no_duplicate_and_the_chain_verifies(
    ledger_settings: LedgerSettings,
    cli: Cli,
    tmp_path: Path,
    mongo: AsyncMongoClient[dict[str, Any]],
) -> None:
    settings, prefix = ledger_settings, ledger_settings.topic_prefix
    async with (
        open_backends(settings.backends, db="unused") as (_, log),
        ledger_process(settings, tmp_path) as ledger,
    ):
        await publish(log, prefix, events(0, 1200))
        # 1. a long pause between appending a batch and committing its offsets: killed
        #    right after a batch was appended, before the commit
        await ledger.start(pause_after_append_s=2.0)
        seen = -1

        async def appended_past(mark: int) -> bool:
            nonlocal seen
            head = await ledger.head()
            moved = seen >= 0 and head > seen
            seen = head
            return moved and head >= mark

        await until(lambda: appended_past(300), what="first ledger head ≥ 300", interval_s=0.01)
        await ledger.kill()
        killed_at = seen
        await publish(log, prefix, events(1200, 1500))  # while it is down

        # 2. restarted without the pause; the uncommitted batch is delivered again and
        #    dropped as duplicates; killed again at once, mid-stream (no pause this time)
        await ledger.start()

        async def redelivered_and_moving() -> bool:
            found = await ledger.status()
            return bool(
                found and found["duplicatesDropped"] > 0 and found["head"]["seq"] > killed_at + 100
            )

        await until(
            redelivered_and_moving, what="duplicates dropped after the restart", interval_s=0.01
        )
        await ledger.kill()

        # 3. restarted again, more published meanwhile: runs to the end
        await ledger.start()
        await publish(log, prefix, events(1500, 1800) + events(0, 50))  # 50 republished

        async def all_appended() -> bool:
            return await ledger.head() >= 1800

        await until(all_appended, what="ledger head 1800", timeout_s=240)
        await asyncio.sleep(1.0)  # anything beyond 1800 would be a duplicate: let it show
        assert await ledger.head() == 1800
        await ledger.stop()

        stored = await stored_event_ids(settings)
        assert [seq for seq, _ in stored] == list(range(1, 1801))  # gapless
        ids = [eid for _, eid in stored]
        assert len(set(ids)) == 1800  # no duplicate
        assert set(ids) == {ev["id"] for ev in events(0, 1800)}  # nothing lost

        status, out, err = await cli("ledger", "verify", "--anchors", "--json")
        assert status == 0, (out, err)
        result = orjson.loads(out)
        assert (result["ok"], result["checked"]) == (True, 1800)
        assert result["anchorsChecked"] >= 1
        published = await anchors(log, settings.anchor)
        assert published and max(a["seq"] for a in published) == 1800


async def test_checkpoints_are_kept_on_the_anchor_topic_and_expose_a_rewritten_store(
    ledger_settings: LedgerSettings, cli: Cli, mongo: AsyncMongoClient[dict[str, Any]]
) -> None:
    settings, prefix = ledger_settings, ledger_settings.topic_prefix
    async with open_backends(settings.backends, db="unused") as (_, log):
        async with serve_app(create_app(settings)) as url, aiohttp.ClientSession() as http:

            async def head() -> int:
                async with http.get(f"{url}/ledger/status") as r:
                    found = await r.json()
                return int(found["head"]["seq"]) if found["head"] else 0

            async def anchored(seq: int) -> bool:
                return any(a["seq"] == seq for a in await anchors(log, settings.anchor))

            for stop in (60, 100):
                await publish(log, prefix, events(stop - (60 if stop == 60 else 40), stop))
                await until(lambda s=stop: _at_least(head, s), what=f"head {stop}")
                await until(lambda s=stop: anchored(s), what=f"anchor at {stop}")

        assert await anchor_retention(settings) == {"retention.ms": "-1", "retention.bytes": "-1"}
        published = await anchors(log, settings.anchor)
        numbers = sorted({a["checkpoint"] for a in published})
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) >= 2
        assert all(a["ledger"] == settings.db for a in published)
        db = mongo[settings.db]
        for a in published:  # each anchor names an entry's hash exactly
            seq = a["seq"]
            doc = await db[f"entries_{(seq - 1) // 50:06d}"].find_one({"_id": seq_id(seq)})
            assert doc is not None and doc["hash"] == a["hash"]

        # Rewrite history inside the store: entry 10 edited, every later hash recomputed,
        # and the stored checkpoints made to agree. Only the anchors held outside expose it.
        prev = None
        for seq in range(9, 101):
            coll = db[f"entries_{(seq - 1) // 50:06d}"]
            doc = await coll.find_one({"_id": seq_id(seq)})
            assert doc is not None
            if seq == 9:
                prev = doc["hash"]
                continue
            text = doc["eventJson"]
            if seq == 10:
                text = forge(text)
            assert prev is not None
            digest = entry_hash(seq, doc["recordedAt"], prev, text)
            changed = {"eventJson": text, "prevHash": prev, "hash": digest}
            await coll.update_one({"_id": seq_id(seq)}, {"$set": changed})
            prev = digest
        checkpoints = db["checkpoints_000000"]
        async for cp in checkpoints.find({}):
            seq = cp["headSeq"]
            fixed = await db[f"entries_{(seq - 1) // 50:06d}"].find_one({"_id": seq_id(seq)})
            assert fixed is not None
            await checkpoints.update_one({"_id": cp["_id"]}, {"$set": {"headHash": fixed["hash"]}})
        status, out, err = await cli("ledger", "verify")
        assert status == 0, (out, err)  # consistent inside the store
        status, out, err = await cli("ledger", "verify", "--anchors", "--json")
        assert status == 1, (out, err)
        broken = orjson.loads(out)["break"]
        first_rewritten = min(a["seq"] for a in published if a["seq"] >= 10)
        assert (broken["kind"], broken["seq"]) == ("checkpoint_mismatch", first_rewritten), broken


async def _at_least(probe: Any, value: int) -> bool:
    return bool(await probe() >= value)
