"""How a MongoDB-protocol engine's by-``_id`` operations scale with the collection's size.

    .venv/bin/python -m bench.mongo_lookup [mongodb://127.0.0.1:27017] [--sizes 200,2000,20000]

For each size, in a scratch database dropped afterwards: ``update_one({_id}, {$set, $inc})``
and ``find_one({_id})`` on random documents, 8 in flight (as the store updates a batch),
per second. An engine that finds a document by ``_id`` through an index answers about as
fast at 20,000 documents as at 200; FerretDB 1.24 on PostgreSQL filters with
``_jsonb->'_id' @> '"…"'``, which its btree index on ``_jsonb->'_id'`` cannot serve, so
each call reads the whole table (see docs/mongodb-compat.md).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import time
from typing import Any

from pymongo import AsyncMongoClient

DB = "rumah_bench_lookup"
IN_FLIGHT = 8
CALLS = 400


async def _rate(calls: list[Any]) -> float:
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(call: Any) -> None:
        async with gate:
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(one(c) for c in calls))
    return len(calls) / (time.perf_counter() - started)


async def main(url: str, sizes: list[int]) -> list[dict[str, Any]]:
    client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(url, maxPoolSize=16)
    out = []
    try:
        for size in sizes:
            await client.drop_database(DB)
            col = client[DB]["docs"]
            for first in range(0, size, 1000):
                await col.insert_many(
                    [
                        {"_id": f"d{i}", "_v": 1, "s": "a", "pad": "x" * 400}
                        for i in range(first, min(size, first + 1000))
                    ]
                )
            ids = [f"d{random.randrange(size)}" for _ in range(CALLS)]
            update = [
                lambda i=i, c=col: c.update_one({"_id": i}, {"$set": {"s": "b"}, "$inc": {"_v": 1}})
                for i in ids
            ]
            find = [lambda i=i, c=col: c.find_one({"_id": i}) for i in ids]
            out.append(
                {
                    "documents": size,
                    "update_one_per_s": round(await _rate(update)),
                    "find_one_per_s": round(await _rate(find)),
                    "load": round(os.getloadavg()[0], 1),
                }
            )
    finally:
        await client.drop_database(DB)
        await client.close()
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", nargs="?", default="mongodb://127.0.0.1:27017")
    parser.add_argument("--sizes", default="200,2000,20000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for row in asyncio.run(main(args.url, sizes)):
        print(json.dumps(row))
