"""Helpers of the ledger's engine tests: the `rumah` CLI as a process on a test's ledger,
its settings as environment variables, and a bounded wait."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import orjson

from services.ledger.chain import event_json
from services.ledger.settings import LedgerSettings

RUMAH = str(Path(sys.executable).with_name("rumah"))


@dataclass
class Cli:
    env: dict[str, str]

    async def __call__(self, *args: str, timeout_s: float = 120) -> tuple[int, str, str]:
        """``rumah <args>`` as a process on the test's ledger → (exit status, stdout, stderr)."""
        proc = await asyncio.create_subprocess_exec(
            RUMAH,
            *args,
            env=self.env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            out, err = await asyncio.wait_for(proc.communicate(), timeout_s)
        except TimeoutError:
            proc.kill()
            await proc.wait()
            raise
        assert proc.returncode is not None
        return proc.returncode, out.decode(), err.decode()


def settings_env(settings: LedgerSettings) -> dict[str, str]:
    """The environment a `rumah` process needs to open the same ledger as ``settings``."""
    b = settings.backends
    return {
        **os.environ,
        "RUMAH_BACKEND": b.backend,
        "RUMAH_KAFKA_BOOTSTRAP": b.kafka_bootstrap,
        "RUMAH_MONGO_URL": b.mongo_url,
        "RUMAH_LOG_PARTITIONS": str(b.log_partitions),
        "RUMAH_LEDGER_DB": settings.db,
        "RUMAH_LEDGER_TOPIC_PREFIX": settings.topic_prefix,
        "RUMAH_LEDGER_SEGMENT_SIZE": str(settings.segment_size),
        "RUMAH_LEDGER_BATCH_MAX": str(settings.batch_max),
        "RUMAH_LEDGER_CHECKPOINT_INTERVAL_S": str(settings.checkpoint_interval_s),
        "RUMAH_LEDGER_LOG_LEVEL": "WARNING",
        "RUMAH_SUBGRAPH_GATEWAY_KEYS": settings.subgraph_auth.gateway_keys.get_secret_value(),
    }


async def until(
    probe: Callable[[], Awaitable[object]],
    *,
    what: str,
    timeout_s: float = 120,
    interval_s: float = 0.05,
) -> None:
    """Await ``probe()`` until truthy (a bounded loop; fails with ``what``)."""
    for _ in range(int(timeout_s / interval_s)):
        if await probe():
            return
        await asyncio.sleep(interval_s)
    raise AssertionError(f"{what}: not reached within {timeout_s}s")


def forge(text: str) -> str:
    """An entry's canonical event JSON with its payload changed (any event type; the query
    fields derived from the event stay as they were, so only the hash chain can tell)."""
    event = orjson.loads(text)
    event["data"] = {**(event.get("data") or {}), "forgedBy": "an insider"}
    forged = event_json(event)
    assert forged != text
    return forged
