"""Tampering on the real FerretDB: someone edits, deletes, inserts, swaps or rewrites (and
rehashes) ledger documents directly with PyMongo; `rumah ledger verify` (a real process)
names the kind of break and its sequence number and exits 1. Evidence exports (`rumah ledger
export`, JSON Lines and CSV) carry the chain hashes and the verification result."""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest
from ledger_engines import Cli, forge
from pymongo import AsyncMongoClient

from services.kit.backends import open_backends
from services.ledger.chain import GENESIS, entry_hash, seq_id
from services.ledger.core import open_ledger
from services.ledger.entry import build_entry
from services.ledger.settings import LedgerSettings
from services.ledger.testing import mutation_event, permit_event

pytestmark = pytest.mark.integration

ENTRIES, BATCH = 120, 10
Mongo = AsyncMongoClient[dict[str, Any]]


@dataclass
class BatchClock:
    """Every batch is recorded one minute after the previous one (from 2026-03-10 03:00Z)."""

    now: datetime = datetime(2026, 3, 10, 3, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        self.now += timedelta(minutes=1)
        return self.now


async def build(settings: LedgerSettings, *, checkpoint: bool = False) -> None:
    """ENTRIES entries in batches of BATCH (and one checkpoint at the head if asked)."""
    events = [mutation_event(n) if n % 5 == 0 else permit_event(n) for n in range(ENTRIES)]
    async with open_backends(settings.backends, db=settings.db) as (store, log):
        ledger = await open_ledger(
            settings, store, log if checkpoint else None, writing=True, clock=BatchClock()
        )
        assert ledger.writer is not None
        for i in range(0, ENTRIES, BATCH):
            await ledger.writer.append(events[i : i + BATCH])
        if checkpoint:
            assert ledger.checkpointer is not None
            assert (await ledger.checkpointer.tick()) is not None


def segment(settings: LedgerSettings, seq: int) -> str:
    return f"entries_{(seq - 1) // settings.segment_size:06d}"


async def entry(mongo: Mongo, settings: LedgerSettings, seq: int) -> dict[str, Any]:
    found = await mongo[settings.db][segment(settings, seq)].find_one({"_id": seq_id(seq)})
    assert found is not None, seq
    return found


async def edit(mongo: Mongo, settings: LedgerSettings) -> None:
    doc = await entry(mongo, settings, 37)
    text = forge(doc["eventJson"])
    await mongo[settings.db][segment(settings, 37)].update_one(
        {"_id": seq_id(37)}, {"$set": {"eventJson": text}}
    )


async def delete(mongo: Mongo, settings: LedgerSettings) -> None:
    result = await mongo[settings.db][segment(settings, 37)].delete_one({"_id": seq_id(37)})
    assert result.deleted_count == 1


async def insert(mongo: Mongo, settings: LedgerSettings) -> None:
    """A forged entry at 37, correctly chained to 36; the old 37… renumbered one up."""
    db = mongo[settings.db]
    for seq in range(ENTRIES, 36, -1):
        doc = await entry(mongo, settings, seq)
        await db[segment(settings, seq)].delete_one({"_id": seq_id(seq)})
        await db[segment(settings, seq + 1)].insert_one(
            {**doc, "_id": seq_id(seq + 1), "seq": seq + 1}
        )
    before = await entry(mongo, settings, 36)
    forged = build_entry(37, before["recordedAt"], before["hash"], permit_event(9999))
    await db[segment(settings, 37)].insert_one({**forged, "_v": 1})


async def swap(mongo: Mongo, settings: LedgerSettings) -> None:
    a, b = await entry(mongo, settings, 40), await entry(mongo, settings, 41)
    coll = mongo[settings.db][segment(settings, 40)]
    await coll.replace_one({"_id": seq_id(40)}, {**b, "_id": seq_id(40)})
    await coll.replace_one({"_id": seq_id(41)}, {**a, "_id": seq_id(41)})


async def rewrite(mongo: Mongo, settings: LedgerSettings) -> None:
    """Entry 37 edited and every hash from there on recomputed: a consistent chain that only
    the checkpoint taken before can expose."""
    prev = (await entry(mongo, settings, 36))["hash"]
    for seq in range(37, ENTRIES + 1):
        doc = await entry(mongo, settings, seq)
        text = doc["eventJson"]
        if seq == 37:
            text = forge(text)
        digest = entry_hash(seq, doc["recordedAt"], prev, text)
        await mongo[settings.db][segment(settings, seq)].update_one(
            {"_id": seq_id(seq)}, {"$set": {"eventJson": text, "prevHash": prev, "hash": digest}}
        )
        prev = digest


Tamper = Callable[[Mongo, LedgerSettings], Awaitable[None]]
CASES: list[tuple[Tamper, int, str, bool]] = [
    (edit, 37, "altered", False),
    (delete, 37, "deleted", False),
    (insert, 37, "inserted", False),
    (swap, 40, "reordered", False),
    (rewrite, ENTRIES, "checkpoint_mismatch", True),
]


@pytest.mark.parametrize(("tamper", "seq", "kind", "checkpoint"), CASES, ids=[c[2] for c in CASES])
async def test_verify_names_the_break_and_its_sequence(
    ledger_settings: LedgerSettings,
    cli: Cli,
    mongo: Mongo,
    tamper: Tamper,
    seq: int,
    kind: str,
    checkpoint: bool,
) -> None:
    await build(ledger_settings, checkpoint=checkpoint)
    status, out, err = await cli("ledger", "verify")
    assert status == 0, err
    assert out.startswith(f"OK: entries 1..{ENTRIES} verified ({ENTRIES})"), out
    await tamper(mongo, ledger_settings)
    status, out, err = await cli("ledger", "verify", "--json")
    assert status == 1, (out, err)
    result = orjson.loads(out)
    assert not result["ok"]
    assert (result["break"]["seq"], result["break"]["kind"]) == (seq, kind), result
    # verified before the break: the forged entry itself chains correctly
    assert result["checked"] == (seq if kind == "inserted" else seq - 1)
    status, _, err = await cli("ledger", "verify")
    assert status == 1 and f"BROKEN at seq {seq}: {kind}" in err, err
    # a range that ends before the break still verifies
    status, out, err = await cli("ledger", "verify", "--to", str(min(seq, 37) - 1))
    assert status == 0 and "OK: entries 1..36" in out, (out, err)


async def test_export_writes_chain_hashes_and_the_verification_as_jsonl_and_csv(
    ledger_settings: LedgerSettings, cli: Cli, mongo: Mongo
) -> None:
    await build(ledger_settings)
    # batches 2..6 (entries 21..70): recorded from batch 2's time, before batch 7's
    since = (await entry(mongo, ledger_settings, 21))["recordedAt"]
    until = (await entry(mongo, ledger_settings, 71))["recordedAt"]
    assert since < until and (await entry(mongo, ledger_settings, 20))["recordedAt"] < since
    status, out, err = await cli(
        "ledger", "export", "--since", since, "--until", until, "--format", "jsonl"
    )
    assert status == 0, err
    *lines, last = [orjson.loads(line) for line in out.splitlines()]
    assert [e["seq"] for e in lines] == list(range(21, 71))
    first = await entry(mongo, ledger_settings, 20)
    prev = first["hash"]
    for e in lines:  # every hash recomputes from the file alone
        assert e["prevHash"] == prev
        assert entry_hash(e["seq"], e["recordedAt"], e["prevHash"], e["eventJson"]) == e["hash"]
        prev = e["hash"]
    summary = last["summary"]
    assert (summary["from"], summary["to"], summary["exported"]) == (21, 70, 50)
    assert summary["verification"]["ok"] and summary["verification"]["headHash"] == prev
    assert summary["verification"]["checked"] == 50

    status, out, err = await cli(
        "ledger", "export", "--since", since, "--until", until, "--format", "csv"
    )
    assert status == 0, err
    header, *rows, footer = list(csv.reader(io.StringIO(out)))
    assert header[0] == "seq" and header[-2:] == ["hash", "event_json"]
    assert [int(r[0]) for r in rows] == list(range(21, 71))
    assert [r[-2] for r in rows] == [e["hash"] for e in lines]
    assert [r[-3] for r in rows] == [e["prevHash"] for e in lines]
    assert footer[0] == "summary" and orjson.loads(footer[-1])["verification"]["ok"]

    # after tampering the export still writes the entries, says why it does not verify,
    # and exits 1
    await edit(mongo, ledger_settings)
    status, out, err = await cli("ledger", "export", "--since", "1", "--until", "60")
    assert status == 1
    verification = orjson.loads(out.splitlines()[-1])["summary"]["verification"]
    assert not verification["ok"]
    assert (verification["break"]["seq"], verification["break"]["kind"]) == (37, "altered")
    assert GENESIS != verification["headHash"]
