"""A small process supervisor: start children in order, wait until each is healthy, restart
the ones that die (capped backoff), and stop them all together.

Why not just ``subprocess.Popen`` and hope: Ctrl-C must never leave orphans. Every child
runs in its own process group and asks the kernel to SIGTERM it if the supervisor dies
(``PR_SET_PDEATHSIG``), and shutdown signals the groups, waits, then kills what is left.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

log = logging.getLogger("rumah.supervisor")

_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    os.setpgrp()


@dataclass(frozen=True)
class ProcessSpec:
    name: str
    argv: Sequence[str]
    health_url: str | None = None  # GET must answer 2xx before the next process starts
    show_url: str | None = None  # printed for the user
    env: dict[str, str] = field(default_factory=dict)
    ready_timeout_s: float = 60.0


@dataclass
class _Child:
    spec: ProcessSpec
    proc: asyncio.subprocess.Process | None = None
    restarts: int = 0


class Supervisor:
    def __init__(self, specs: Sequence[ProcessSpec], log_dir: Path) -> None:
        self._children = [_Child(s) for s in specs]
        self._log_dir = log_dir
        self._stopping = False

    def _log_path(self, spec: ProcessSpec) -> Path:
        return self._log_dir / f"{spec.name}.log"

    async def _spawn(self, child: _Child) -> None:
        self._log_dir.mkdir(parents=True, exist_ok=True)
        out = open(self._log_path(child.spec), "ab")  # noqa: ASYNC230, SIM115 - handed to the child
        try:
            child.proc = await asyncio.create_subprocess_exec(
                *child.spec.argv,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                stdin=asyncio.subprocess.DEVNULL,
                env={**os.environ, **child.spec.env},
                preexec_fn=_die_with_parent,
            )
        finally:
            out.close()

    async def _wait_healthy(self, child: _Child, session: aiohttp.ClientSession) -> None:
        spec = child.spec
        if spec.health_url is None:
            return
        deadline = time.monotonic() + spec.ready_timeout_s
        while time.monotonic() < deadline:
            if child.proc is not None and child.proc.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                async with session.get(spec.health_url) as resp:
                    if resp.status < 300:
                        return
            await asyncio.sleep(0.2)
        tail = self.tail(spec)
        raise RuntimeError(f"{spec.name} did not become healthy at {spec.health_url}\n{tail}")

    def tail(self, spec: ProcessSpec, lines: int = 20) -> str:
        try:
            text = self._log_path(spec).read_text(errors="replace").splitlines()
        except OSError:
            return ""
        return "\n".join(f"  {spec.name}| {line}" for line in text[-lines:])

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=2)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            for child in self._children:
                await self._spawn(child)
                await self._wait_healthy(child, session)
                pid = child.proc.pid if child.proc else None
                log.info("process.started name=%s pid=%s", child.spec.name, pid)

    async def watch(self) -> None:
        """Restart children that exit, with capped backoff, until ``stop`` is called."""
        while not self._stopping:
            await asyncio.sleep(0.5)
            for child in self._children:
                proc = child.proc
                if self._stopping or proc is None or proc.returncode is None:
                    continue
                delay = min(30.0, 0.5 * 2**child.restarts)
                child.restarts += 1
                print(
                    f"[rumah] {child.spec.name} exited with {proc.returncode}; "
                    f"restarting in {delay:.1f}s (log: {self._log_path(child.spec)})",
                    file=sys.stderr,
                )
                await asyncio.sleep(delay)
                if not self._stopping:
                    await self._spawn(child)

    async def stop(self, grace_s: float = 8.0) -> None:
        self._stopping = True
        live = [c.proc for c in reversed(self._children) if c.proc and c.proc.returncode is None]
        for proc in live:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace_s
        for proc in live:
            remaining = max(0.1, deadline - time.monotonic())
            try:
                await asyncio.wait_for(proc.wait(), remaining)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                await proc.wait()
