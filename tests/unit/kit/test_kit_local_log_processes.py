"""The local log shared by several processes: no lost or duplicated offsets, shared groups."""

from __future__ import annotations

import asyncio
import sys
from collections import defaultdict
from pathlib import Path

from services.kit.eventlog.local import LocalEventLog
from services.kit.ports import LogRecord

PUBLISHER = """
import asyncio, sys
from pathlib import Path
from services.kit.eventlog.local import LocalEventLog

async def main(path, name):
    log = LocalEventLog(Path(path))
    await log.start()
    for batch in range(20):
        items = [(f"{name}-{i % 5}", f"{name}:{batch * 10 + i}".encode()) for i in range(10)]
        await log.publish_many("shared", items)
    await log.stop()

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


async def test_processes_publishing_to_one_file_get_contiguous_offsets(tmp_path: Path) -> None:
    path = tmp_path / "eventlog.sqlite3"
    log = LocalEventLog(path)
    await log.start()
    await log.ensure_topic("shared", 3)
    procs = [
        await asyncio.create_subprocess_exec(sys.executable, "-c", PUBLISHER, str(path), name)
        for name in ("a", "b", "c")
    ]
    assert [await p.wait() for p in procs] == [0, 0, 0]
    async with log.subscribe(["shared"]) as sub:
        records: list[LogRecord] = []
        while batch := await sub.poll(timeout_s=0.2):
            records.extend(batch)
    await log.stop()
    assert len(records) == 600
    offsets: dict[int, list[int]] = defaultdict(list)
    per_key: dict[str, list[int]] = defaultdict(list)
    for r in sorted(records, key=lambda r: (r.partition, r.offset)):
        offsets[r.partition].append(r.offset)
        per_key[r.key or ""].append(int(r.value.split(b":")[1]))
    assert all(o == list(range(len(o))) for o in offsets.values())
    assert all(seq == sorted(seq) for seq in per_key.values())


async def test_group_members_split_partitions_and_take_over_when_one_leaves(
    tmp_path: Path,
) -> None:
    log = LocalEventLog(tmp_path / "eventlog.sqlite3", session_timeout_s=0.6)
    await log.start()
    await log.ensure_topic("jobs", 4)
    await log.publish_many("jobs", [(f"k{i}", str(i).encode()) for i in range(40)])
    one = log.subscribe(["jobs"], group="workers")
    two = log.subscribe(["jobs"], group="workers")
    async with one:
        async with two:
            await asyncio.sleep(0.3)  # both heartbeat: assignment recomputed
            got_two = await two.poll(timeout_s=0.2)
            got_one = await one.poll(timeout_s=0.2)
            assert set(one.assignment).isdisjoint(two.assignment)
            assert len(one.assignment) == len(two.assignment) == 2
            await one.commit()
            await two.commit()
            seen = {r.value for r in got_one} | {r.value for r in got_two}
        await asyncio.sleep(0.3)
        rest = await one.poll(timeout_s=0.5)  # two left: one now owns every partition
        assert len(one.assignment) == 4
    await log.stop()
    assert seen | {r.value for r in rest} == {str(i).encode() for i in range(40)}
