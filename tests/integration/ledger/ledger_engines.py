"""Helpers of the ledger's engine tests: the `rumah` CLI as a process on a test's ledger and
a forged entry. (A ledger's settings as environment variables, the service as a process and a
bounded wait are in ``bench.chaos.replicas``, shared with the chaos scenarios.)"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import orjson

from bench.chaos.replicas import RUMAH
from services.ledger.chain import event_json


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


def forge(text: str) -> str:
    """An entry's canonical event JSON with its payload changed (any event type; the query
    fields derived from the event stay as they were, so only the hash chain can tell)."""
    event = orjson.loads(text)
    event["data"] = {**(event.get("data") or {}), "forgedBy": "an insider"}
    forged = event_json(event)
    assert forged != text
    return forged
