"""The live overview: the ledger's ``changes`` subscription (through the gateway, with the
user's token) tells when something happened; Monev re-reads the overview (one query,
coalesced) and sends the table body again as a Server-Sent Event, which htmx swaps in.

Facts that no event announces (an upstream that stopped answering, data going stale) are
re-read every ``refresh_interval_s``. Roles that may not read the feed (operators) get only
the periodic refresh.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from monev.gateway import GatewayClient, GatewayError

log = logging.getLogger("monev.live")

CHANGES = "subscription { changes { seq service event { type subject time } } }"
COALESCE_S = 0.05  # events arriving together cause one re-read


def _is_read(change: Any) -> bool:
    """An access record: someone read data. Re-reading the overview for it would make
    Monev's own read the next "change" — a loop of re-reads that hides the real ones."""
    event = (change or {}).get("event") if isinstance(change, dict) else None
    kind = (event or {}).get("type") if isinstance(event, dict) else None
    return isinstance(kind, str) and kind.endswith(ACCESS_RECORDED)


ACCESS_RECORDED = ".access.recorded"  # the gateway's access records (gateway/access_records.py)


def sse(event: str, data: str) -> str:
    lines = data.splitlines() or [""]
    return f"event: {event}\n" + "".join(f"data: {line}\n" for line in lines) + "\n"


async def _follow(
    gateway: GatewayClient, token: str | None, queue: asyncio.Queue[dict[str, Any] | None]
) -> None:
    backoff = 1.0
    while True:
        try:
            async for data in gateway.subscribe(CHANGES, token=token):
                backoff = 1.0
                change = data["changes"]
                if _is_read(change):
                    continue  # a read (Monev's own re-read included), not a change to show
                await queue.put(change)
        except GatewayError as exc:
            log.info("monev.live_feed_unavailable", extra={"reason": str(exc)})
            if "FORBIDDEN" in str(exc) or "operators" in str(exc):
                await queue.put(None)  # this role may not read the feed: periodic only
                return
        await asyncio.sleep(backoff)
        backoff = min(30.0, backoff * 2)


async def stream(
    render: Callable[[dict[str, Any] | None], Awaitable[tuple[str, str]]],
    gateway: GatewayClient,
    token: str | None,
    *,
    interval_s: float,
    follow: bool = True,
) -> AsyncIterator[str]:
    """SSE text: ``rows`` (the table body, when it changed) and ``status`` events.

    ``render(last_change)`` re-reads the overview and returns (rows HTML, status HTML)."""
    queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
    follower = asyncio.create_task(_follow(gateway, token, queue)) if follow else None
    last_rows = ""
    try:
        yield "retry: 3000\n\n"
        change: dict[str, Any] | None = None
        while True:
            try:
                rows, status = await render(change)
            except GatewayError as exc:
                yield sse("status", f"<span class='warn'>{exc}</span>")
            else:
                if rows != last_rows:
                    last_rows = rows
                    yield sse("rows", rows)
                yield sse("status", status)
            try:
                change = await asyncio.wait_for(queue.get(), interval_s)
                await asyncio.sleep(COALESCE_S)
                while not queue.empty():
                    change = queue.get_nowait() or change
            except TimeoutError:
                change = None
    finally:
        if follower is not None:
            follower.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await follower
