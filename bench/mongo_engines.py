"""MongoDB-protocol engines side by side: FerretDB on SQLite vs on PostgreSQL (vs MongoDB).

    .venv/bin/python -m bench.mongo_engines sqlite=mongodb://127.0.0.1:27017 \\
                                             postgresql=mongodb://127.0.0.1:27018 [--docs 2000]

For each engine, in a scratch database dropped afterwards, with PyMongo's async client:

* ``insert_many``: documents/s inserting ``--docs`` documents in batches of 500;
* ``serial``: updates/s of ``update_one({_id, v: n}, {$set…, $inc: {v: 1}})`` one at a time;
* ``concurrent``: the same with 16 writers, each on its own documents;
* ``race``: ``--races`` times, two clients send the same ``update_one({_id, v: n}, …)`` at
  once; an engine whose filter-and-update is atomic lets exactly one of them modify the
  document. Reported: how many races had *both* report a modification, how many of those
  left the version at n+1 (one reported change overwritten by the other: a lost update),
  and how many left it at n+2 (both applied despite the version filter).

Numbers depend on the machine and its load; the engines run as `rumah infra` starts them.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import OperationFailure

Doc = dict[str, Any]
DB = "rumah_bench_engines"
WRITERS = 16


async def _engine(url: str, docs: int, races: int) -> dict[str, Any]:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(url, serverSelectionTimeoutMS=10_000)
    rival: AsyncMongoClient[Doc] = AsyncMongoClient(url, serverSelectionTimeoutMS=10_000)
    try:
        info = await client.admin.command("buildInfo")
        await client.drop_database(DB)
        col = client[DB]["docs"]
        started = time.perf_counter()
        for first in range(0, docs, 500):
            last = min(docs, first + 500)
            await col.insert_many([{"_id": f"d{i}", "v": 0, "s": ""} for i in range(first, last)])
        insert_s = time.perf_counter() - started

        errors: dict[str, str] = {}

        async def update(i: int, version: int, tag: str, target: Any = col) -> int:
            """1 if the update modified the document, 0 if not, -1 if the engine failed."""
            try:
                result = await target.update_one(
                    {"_id": f"d{i}", "v": version}, {"$set": {"s": tag}, "$inc": {"v": 1}}
                )
            except OperationFailure as exc:
                errors[tag[:1]] = str(exc.details.get("errmsg", exc) if exc.details else exc)
                return -1
            return int(result.modified_count)

        started = time.perf_counter()
        serial = [await update(i, 0, "serial") for i in range(docs)]
        serial_s = time.perf_counter() - started

        async def writer(w: int) -> list[int]:
            return [await update(i, 1, f"w{w}") for i in range(w, docs, WRITERS)]

        started = time.perf_counter()
        concurrent = [r for rs in await asyncio.gather(*map(writer, range(WRITERS))) for r in rs]
        concurrent_s = time.perf_counter() - started

        racing = client[DB]["race"]
        await racing.insert_many([{"_id": f"d{i}", "v": 0, "s": ""} for i in range(races)])
        both = lost = applied_twice = race_errors = 0
        for i in range(races):
            a, b = await asyncio.gather(
                update(i, 0, "a", racing), update(i, 0, "b", rival[DB]["race"])
            )
            race_errors += a < 0 or b < 0
            final = await racing.find_one({"_id": f"d{i}"})
            assert final is not None
            if a == 1 and b == 1:
                both += 1
                # v=1: the two read the same document and the last write replaced the first;
                # a caller was told "modified" and its change is gone (a lost update).
                lost += final["v"] == 1
            applied_twice += final["v"] == 2
        await client.drop_database(DB)
    finally:
        await client.close()
        await rival.close()
    return {
        "server": info.get("ferretdbVersion") or f"MongoDB {info.get('version')}",
        "docs": docs,
        "insert_many_docs_per_s": round(docs / insert_s),
        "serial_updates_per_s": round(docs / serial_s),
        "serial_failed": serial.count(-1),
        "concurrent_updates_per_s": round(docs / concurrent_s),
        "concurrent_failed": concurrent.count(-1),
        "writers": WRITERS,
        "races": races,
        "races_both_modified": both,
        "races_lost_update": lost,
        "races_applied_twice": applied_twice,
        "races_failed": race_errors,
        "errors": errors,  # one example message per phase (s: serial, w: writers, a/b: races)
    }


def table(results: dict[str, dict[str, Any]]) -> str:
    lines = [
        "| engine | server | insert_many docs/s | serial updates/s (failed) "
        "| 16 writers updates/s (failed) | races: both modified | of which lost (v=1) "
        "| applied twice (v=2) | failed |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, r in results.items():
        n = r["races"]
        lines.append(
            f"| {label} | {r['server']} | {r['insert_many_docs_per_s']:,} "
            f"| {r['serial_updates_per_s']:,} ({r['serial_failed']}) "
            f"| {r['concurrent_updates_per_s']:,} ({r['concurrent_failed']}) "
            f"| {r['races_both_modified']}/{n} | {r['races_lost_update']} "
            f"| {r['races_applied_twice']}/{n} "
            f"| {r['races_failed']}/{n} |"
        )
    for label, r in results.items():
        for phase, message in r["errors"].items():
            lines.append(f"{label}: e.g. ({phase}) {message[:200]}")
    return "\n".join(lines)


async def main(engines: dict[str, str], docs: int, races: int) -> dict[str, dict[str, Any]]:
    return {label: await _engine(url, docs, races) for label, url in engines.items()}


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("engines", nargs="+", help="label=mongodb://host:port, one per engine")
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--races", type=int, default=300)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    engines = dict(e.split("=", 1) for e in args.engines)
    results = asyncio.run(main(engines, args.docs, args.races))
    print(json.dumps(results, indent=2) if args.json else table(results))
    print(f"load average: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
