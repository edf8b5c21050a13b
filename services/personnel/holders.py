"""Who holds a position: now (from employees) and at any past moment (from assignments).

Both are batched per request: one store query answers every position of a GraphQL request.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from services.kit.converters import WIB
from services.kit.graphql.context import RequestContext
from services.kit.ports import Document, aiter_pages


async def current_holders(
    ctx: RequestContext, position_ids: Sequence[str]
) -> list[Document | None]:
    coll = ctx.collection("employee")
    flt = {"position_id": {"$in": list(position_ids)}, "status": "active"}
    found = {d["position_id"]: d async for d in aiter_pages(coll, flt)}
    return [found.get(p) for p in position_ids]


def holder_nip_at(assignments: Sequence[Document], at: datetime) -> str | None:
    """The NIP of the assignment in force at ``at`` (local date); the latest one wins a tie."""
    day = at.astimezone(WIB).date().isoformat()
    valid = [
        a for a in assignments if a["start"] <= day and (a.get("end") is None or a["end"] > day)
    ]
    if not valid:
        return None
    return str(max(valid, key=lambda a: (a["start"], a["_id"]))["nip"])


async def holders_at(
    ctx: RequestContext, at: datetime, position_ids: Sequence[str]
) -> list[str | None]:
    coll = ctx.collection("assignment")
    day = at.astimezone(WIB).date().isoformat()
    flt = {"position_id": {"$in": list(position_ids)}, "start": {"$lte": day}}
    by_position: dict[str, list[Document]] = {}
    async for a in aiter_pages(coll, flt):
        by_position.setdefault(a["position_id"], []).append(a)
    return [holder_nip_at(by_position.get(p, []), at) for p in position_ids]
