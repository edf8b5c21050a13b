"""Metrics across worker processes: each worker publishes a snapshot, the scraped one adds up.

A scrape of ``/metrics`` reaches one worker (the kernel picks); that worker answers with its
own live numbers plus every sibling's latest snapshot (``GatewayMetrics.collect``). Snapshots
are JSON files in a private directory the supervisor creates (``worker-<index>.json``,
replaced atomically every ``interval`` seconds and once more at shutdown), so a scrape never
waits for another process and sees numbers at most ``interval`` old.

A worker that replaces a dead one (same index) starts its counters from the dead one's last
snapshot, so totals never go back. A snapshot not refreshed for three intervals belongs to a
worker that is gone: its counters still count, its gauges no longer do.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from gateway.metrics import Snapshot

log = logging.getLogger("gateway.workers")

_PREFIX, _SUFFIX = "worker-", ".json"


@dataclass(frozen=True, slots=True)
class WorkerSlot:
    """Which worker a process is (``index`` of ``count``) and where workers share metrics."""

    index: int
    count: int
    directory: Path


class MetricsShare:
    def __init__(self, slot: WorkerSlot, interval: float = 1.0) -> None:
        self.slot = slot
        self.interval = interval
        self.path = slot.directory / f"{_PREFIX}{slot.index}{_SUFFIX}"

    def adopt(self) -> Snapshot:
        """The last snapshot of the worker this one replaces (empty for a first start)."""
        try:
            found: Snapshot = orjson.loads(self.path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return {}
        return found if isinstance(found, dict) else {}

    def publish(self, snapshot: Snapshot) -> None:
        temporary = self.path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(orjson.dumps(snapshot))
        os.replace(temporary, self.path)  # readers see the old file or the new one, whole

    def peers(self) -> tuple[list[Snapshot], list[Snapshot]]:
        """The other workers' snapshots: (live ones, stale ones whose gauges no longer count)."""
        live: list[Snapshot] = []
        stale: list[Snapshot] = []
        cutoff = time.time() - 3 * self.interval
        for path in self.slot.directory.glob(f"{_PREFIX}*{_SUFFIX}"):
            if path == self.path:
                continue
            try:
                fresh = path.stat().st_mtime >= cutoff
                snapshot = orjson.loads(path.read_bytes())
            except (OSError, orjson.JSONDecodeError):
                continue  # removed meanwhile, or the supervisor is cleaning up
            if isinstance(snapshot, dict):
                (live if fresh else stale).append(snapshot)
        return live, stale

    async def run(self, snapshot: Callable[[], Snapshot]) -> None:
        """Publish ``snapshot()`` every interval until cancelled, then once more."""
        try:
            while True:
                self._publish_safely(snapshot)
                await asyncio.sleep(self.interval)
        finally:
            self._publish_safely(snapshot)

    def _publish_safely(self, snapshot: Callable[[], Snapshot]) -> None:
        try:
            self.publish(snapshot())
        except OSError as exc:  # a full disk must not take the worker down
            log.warning("gateway.metrics_not_shared", extra={"error": str(exc)})
