"""Helpers for tests of services and simulators: serve an ASGI app on a free loopback port,
and wait for a condition. Used by the kit's own tests and by every service's tests."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import uvicorn

from services.kit.envelope import Event, decode
from services.kit.ports import DocumentStore

T = TypeVar("T")


@contextlib.asynccontextmanager
async def serve_app(app: Any, host: str = "127.0.0.1", port: int = 0) -> AsyncIterator[str]:
    """Run ``app`` (lifespan included) under uvicorn in this loop; yield its base URL."""
    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        log_level="warning",
        lifespan="on",
        loop="none",
        http="httptools",
        access_log=False,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if task.done():
                task.result()  # start-up failed: raise its error
                raise RuntimeError("server exited before starting")
            await asyncio.sleep(0.02)
        sock = server.servers[0].sockets[0]
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def eventually(
    probe: Callable[[], Awaitable[T]],
    *,
    timeout_s: float = 10.0,
    interval_s: float = 0.05,
    what: str = "condition",
) -> T:
    """Await ``probe()`` until it returns a truthy value; fail after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = await probe()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout_s}s (last: {value!r})")
        await asyncio.sleep(interval_s)


async def pending_events(store: DocumentStore) -> list[Event]:
    """Events written to the outbox and not relayed yet (oldest first per document)."""
    out: list[Event] = []
    for doc in await store.outbox_pending(limit=100_000):
        out.extend(decode(e.value) for e in doc.entries)
    return out


async def scrape_metrics(http: Any, url: str) -> dict[tuple[str, frozenset[Any]], float]:
    """``GET {url}/metrics`` parsed: ``{(sample name, frozenset(labels)): value}``."""
    from prometheus_client.parser import text_string_to_metric_families

    async with http.get(f"{url}/metrics") as r:
        assert r.status == 200 and r.content_type == "text/plain", r.status
        text = await r.text()
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
