"""Probe a MongoDB-compatible server for the features docs/mongodb-compat.md talks about.

    .venv/bin/python -m infra.compat_probe [mongodb://127.0.0.1:27017]

Each probe does one small thing in a scratch database (dropped afterwards) and prints
``OK``/``FAIL`` with the server's answer, so the claims in the doc can be re-checked against
any FerretDB or MongoDB version.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from pymongo import AsyncMongoClient, ReturnDocument
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import DuplicateKeyError, PyMongoError

Doc = dict[str, Any]
Probe = Callable[[AsyncMongoClient[Doc], AsyncCollection[Doc]], Awaitable[object]]
DB = "rumah_compat_probe"


async def _transaction(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    async with client.start_session() as session:
        async with await session.start_transaction():
            await col.insert_one({"_id": "tx"}, session=session)
    return await col.find_one({"_id": "tx"})


async def _change_stream(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    async with await col.watch():
        return "opened"


async def _aggregate(col: AsyncCollection[Doc], pipeline: list[Doc]) -> object:
    cursor = await col.aggregate(pipeline)
    return await cursor.to_list()


async def _pull_by_condition(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    await col.insert_one({"_id": "pull", "out": [{"id": "e1", "t": 1}, {"id": "e2", "t": 2}]})
    await col.update_one({"_id": "pull"}, {"$pull": {"out": {"id": "e1"}}})
    doc = await col.find_one({"_id": "pull"})
    assert doc is not None
    if len(doc["out"]) != 1:
        raise PyMongoError(f"silently ignored: $pull matched nothing, array is {doc['out']}")
    return doc["out"]


async def _push_slice(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    await col.insert_one({"_id": "slice", "tags": ["a", "b"]})
    await col.update_one({"_id": "slice"}, {"$push": {"tags": {"$each": ["c"], "$slice": -2}}})
    doc = await col.find_one({"_id": "slice"})
    assert doc is not None
    if doc["tags"] != ["b", "c"]:
        raise PyMongoError(f"silently ignored: $slice kept {doc['tags']}")
    return doc["tags"]


async def _unique(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    other = col.database["uniq"]
    await other.create_index("nip", unique=True, name="nip_unique")
    await other.insert_one({"_id": 1, "nip": "x"})
    try:
        await other.insert_one({"_id": 2, "nip": "x"})
    except DuplicateKeyError as exc:
        return f"rejected: {exc.details}"
    raise PyMongoError("a duplicate was accepted")


async def _pull_all(client: AsyncMongoClient[Doc], col: AsyncCollection[Doc]) -> object:
    await col.insert_one({"_id": "all", "out": [{"id": "e1"}, {"id": "e2"}, {"id": "e3"}]})
    await col.update_one({"_id": "all"}, {"$pullAll": {"out": [{"id": "e1"}, {"id": "e2"}]}})
    doc = await col.find_one({"_id": "all"})
    assert doc is not None
    if doc["out"] != [{"id": "e3"}]:
        raise PyMongoError(f"$pullAll left {doc['out']}")
    return doc["out"]


PROBES: dict[str, Probe] = {
    "multi-document transaction": _transaction,
    "change stream (watch)": _change_stream,
    "TTL index (expireAfterSeconds)": lambda c, col: col.create_index("at", expireAfterSeconds=60),
    "findAndModify with projection": lambda c, col: col.find_one_and_update(
        {"_id": "d1"}, {"$inc": {"n": 1}}, projection={"n": 1}, return_document=ReturnDocument.AFTER
    ),
    "findAndModify with sort, upsert": lambda c, col: col.find_one_and_update(
        {"n": {"$gte": 0}}, {"$inc": {"n": 1}}, sort=[("n", -1)], upsert=True
    ),
    "aggregate $lookup": lambda c, col: _aggregate(
        col, [{"$lookup": {"from": "docs", "localField": "_id", "foreignField": "_id", "as": "j"}}]
    ),
    "aggregate $facet": lambda c, col: _aggregate(col, [{"$facet": {"n": [{"$count": "n"}]}}]),
    "aggregate $match/$group/$sort": lambda c, col: _aggregate(
        col, [{"$match": {}}, {"$group": {"_id": None, "s": {"$sum": "$n"}}}, {"$sort": {"s": 1}}]
    ),
    "update_one with sort (MongoDB 8.0 API)": lambda c, col: col.update_one(
        {}, {"$set": {"z": 1}}, sort={"n": -1}
    ),
    "nested array value": lambda c, col: col.insert_one({"_id": "nested", "m": [[1, 2], [3]]}),
    "key containing '.'": lambda c, col: col.insert_one({"_id": "dot", "a.b": 1}),
    "key starting with '$'": lambda c, col: col.insert_one({"_id": "dollar", "$x": 1}),
    "unique index rejects a duplicate": _unique,
    "version-checked $set + $inc + $push": lambda c, col: col.update_one(
        {"_id": "d2", "n": 2}, {"$set": {"s": 1}, "$inc": {"n": 1}, "$push": {"o": {"$each": [1]}}}
    ),
    "$pull by a condition on subdocuments": _pull_by_condition,
    "$pullAll of whole subdocuments": _pull_all,
    "$push with $slice": _push_slice,
    "keyset page: $or + multi-key sort + limit": lambda c, col: (
        col.find({"$or": [{"n": {"$gt": 1}}, {"n": 1, "_id": {"$gt": "d0"}}]})
        .sort([("n", 1), ("_id", 1)])
        .limit(2)
        .to_list()
    ),
    "$expr": lambda c, col: col.find({"$expr": {"$gt": ["$n", 1]}}).to_list(),
    "collation": lambda c, col: col.find({}, collation={"locale": "en", "strength": 2}).to_list(),
    "update with a pipeline": lambda c, col: col.update_one(
        {"_id": "d3"}, [{"$set": {"m": {"$add": ["$n", 1]}}}]
    ),
    "partial index": lambda c, col: col.create_index(
        "k", partialFilterExpression={"k": {"$exists": True}}
    ),
    "text index": lambda c, col: col.create_index([("s", "text")]),
}


async def main(url: str) -> int:
    client: AsyncMongoClient[Doc] = AsyncMongoClient(url, serverSelectionTimeoutMS=5000)
    try:
        info = await client.admin.command("buildInfo")
        print(f"server: version {info.get('version')}, ferretdb {info.get('ferretdbVersion', '-')}")
        for name, probe in PROBES.items():
            await client.drop_database(DB)
            col = client[DB]["docs"]
            await col.insert_many([{"_id": f"d{i}", "n": i} for i in range(4)])
            try:
                answer = f"OK   {repr(await probe(client, col))[:100]}"
            except PyMongoError as exc:
                answer = f"FAIL {type(exc).__name__}: {str(exc)[:140]}"
            print(f"{name:<44} {answer}")
        await client.drop_database(DB)
    finally:
        await client.close()
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "mongodb://127.0.0.1:27017")))
