"""Background tasks of a simulator: the change driver and the push-webhook sender."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import aiohttp
import orjson

from rumah.common import tracing
from services.kit.simulator.core import Simulator
from services.kit.simulator.table import Record
from services.kit.webhooks import sign

log = logging.getLogger("rumah.simulator")


class Driver:
    """Makes ``rate`` random workflow changes per second (0 = idle); rate can change live."""

    def __init__(self, sim: Simulator, rate: float) -> None:
        self.sim, self.rate = sim, rate

    async def run(self) -> None:
        owed, last = 0.0, time.monotonic()
        while True:
            await asyncio.sleep(0.01 if self.rate > 0 else 0.2)
            now = time.monotonic()
            owed = owed + (now - last) * self.rate if self.rate > 0 else 0.0
            last = now
            while owed >= 1.0:
                owed -= 1.0
                self.sim.act_randomly()


class WebhookPusher:
    """Pushes every changed record to ``{url}/{resource}``, batched and signed with the
    application's secret (Standard Webhooks, ``services.kit.webhooks``); best effort (the
    service also pulls, so a failed push only costs latency)."""

    def __init__(self, sim: Simulator, url: str, secret: str, batch: int = 200) -> None:
        self.sim, self.url, self.batch, self.secret = sim, url.rstrip("/"), batch, secret
        self.queue: asyncio.Queue[tuple[str, Record]] = asyncio.Queue(maxsize=100_000)
        sim.listeners.append(self.enqueue)

    def enqueue(self, resource: str, record: Record) -> None:
        if self.sim.faults.down:
            return  # a down application sends no webhooks; the service's pull catches up
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait((resource, record))

    async def run(self) -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            while True:
                first = await self.queue.get()
                groups: dict[str, list[Record]] = {first[0]: [first[1]]}
                count = 1
                while count < self.batch and not self.queue.empty():
                    res, rec = self.queue.get_nowait()
                    groups.setdefault(res, []).append(rec)
                    count += 1
                for resource, records in groups.items():
                    await self._post(http, resource, records)

    async def _post(self, http: aiohttp.ClientSession, resource: str, records: list[Any]) -> None:
        with tracing.span(
            "simulator",
            f"webhook {resource}",
            kind="producer",
            attributes={"rumah.records": len(records)},
        ):
            await self._send(http, resource, records)

    async def _send(self, http: aiohttp.ClientSession, resource: str, records: list[Any]) -> None:
        body = orjson.dumps({"data": records})
        headers = {"content-type": "application/json", **sign(self.secret, body)}
        tracing.inject(headers)  # the service continues this change's trace (tracing on)
        try:
            async with http.post(f"{self.url}/{resource}", data=body, headers=headers) as resp:
                if resp.status >= 300:
                    log.info("webhook_rejected", extra={"status": resp.status, "n": len(records)})
        except (aiohttp.ClientError, TimeoutError) as exc:
            log.info("webhook_failed", extra={"error": repr(exc), "n": len(records)})
