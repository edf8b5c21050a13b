"""Engine faults for fault tests and chaos runs: crash an engine, or freeze it.

* ``kill``: SIGKILL, as a crash or a pulled plug; ``Engines.start`` brings it back with
  its data (whatever it had made durable).
* ``freeze`` / ``thaw``: SIGSTOP / SIGCONT. A frozen engine keeps its sockets open: clients
  connect and send, then time out waiting for an answer — an engine that is "timing out",
  not one that is down. Requests sent meanwhile are still executed after the thaw.

They act on an engine ``rumah infra`` started (its pid file), by name, so a test can be
parametrized over the engines of a cluster the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator

from infra.engines import Engines
from infra.errors import EngineError


def _signal(engines: Engines, name: str, sig: signal.Signals) -> list[int]:
    """Signal every member ``name`` stands for (an engine, a cluster, or one node)."""
    pids = []
    for spec in engines.members(name):
        pid = engines.pid(spec.name)
        if pid is None:
            raise EngineError(spec.name, "not running (start it with `rumah infra up`)")
        os.killpg(pid, sig)  # the engine leads its own process group (see infra.process)
        pids.append(pid)
    return pids


async def kill(engines: Engines, name: str, timeout_s: float = 10.0) -> None:
    """SIGKILL the engine (every node of a cluster named as a whole) and wait until it is
    gone."""
    _signal(engines, name, signal.SIGKILL)
    deadline = time.monotonic() + timeout_s
    while any(engines.pid(spec.name) is not None for spec in engines.members(name)):
        if time.monotonic() > deadline:
            raise EngineError(name, f"still running {timeout_s}s after SIGKILL")
        await asyncio.sleep(0.05)


def freeze(engines: Engines, name: str) -> None:
    _signal(engines, name, signal.SIGSTOP)


def thaw(engines: Engines, name: str) -> None:
    _signal(engines, name, signal.SIGCONT)


@contextlib.asynccontextmanager
async def frozen(engines: Engines, name: str) -> AsyncIterator[None]:
    """``async with frozen(engines, "ferretdb"):`` — thawed on exit, whatever happens."""
    freeze(engines, name)
    try:
        yield
    finally:
        thaw(engines, name)
