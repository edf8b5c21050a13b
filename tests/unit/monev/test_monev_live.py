"""The live overview re-reads on changes, not on reads: an access record (Monev's own re-read
among them) must not trigger another re-read, or the page loops on its own reads and the
"last change" shown is always a read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from monev.live import stream

ACCESS = "id.go.serdangbedagaikab.gateway.access.recorded"
STAGE = "id.go.serdangbedagaikab.registry.application.stage_changed"


class Feed:
    """A gateway whose change feed sends reads first, then one real change."""

    def __init__(self) -> None:
        self.sent = asyncio.Event()

    async def subscribe(
        self, document: str, variables: Any = None, *, token: Any
    ) -> AsyncIterator[Any]:
        for seq, kind in enumerate([ACCESS, ACCESS, ACCESS, STAGE, ACCESS], start=1):
            yield {
                "changes": {
                    "seq": seq,
                    "service": "x",
                    "event": {"type": kind, "subject": f"s{seq}"},
                }
            }
        self.sent.set()
        await asyncio.sleep(3600)


async def test_reads_in_the_feed_cause_no_re_read_and_never_show_as_the_last_change() -> None:
    feed = Feed()
    renders: list[Any] = []

    async def render(change: Any) -> tuple[str, str]:
        renders.append(change)
        return "rows", f"status {change and change['seq']}"

    events = stream(render, feed, None, interval_s=0.5)  # type: ignore[arg-type]
    out = [await anext(events) for _ in range(3)]  # retry, rows, status (first render)
    while len(renders) < 2:
        out.append(await anext(events))
    await events.aclose()
    assert renders[0] is None  # the first render, before any change
    assert renders[1]["event"]["type"] == STAGE  # the real change, not a read around it
    assert all(r is None or r["event"]["type"] != ACCESS for r in renders)
