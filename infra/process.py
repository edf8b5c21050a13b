"""Detached engine processes: spawn, pid files, liveness, stop (SIGTERM, wait, SIGKILL).

An engine runs in its own session (process group), so it outlives the ``rumah infra up``
that started it and a stop reaches everything it forked. A pid file records the pid and a
marker string that must appear in the process's command line: a recycled pid is never
mistaken for an engine (and never signalled).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class PidRecord:
    pid: int
    marker: str
    started_at: float
    log_offset: int = 0  # size of the engine's main log when it was spawned


def spawn(argv: Sequence[str], *, log: Path, env: Mapping[str, str]) -> int:
    """Start ``argv`` in a new session with stdout+stderr appended to ``log``; return its pid."""
    log.parent.mkdir(parents=True, exist_ok=True)
    # posix_spawn instead of subprocess.Popen: no Popen object is left behind to warn that
    # the child "is still running" when the caller (a CLI or a test process) goes away.
    actions = [
        (os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
        (os.POSIX_SPAWN_OPEN, 1, str(log), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644),
        (os.POSIX_SPAWN_DUP2, 1, 2),
    ]
    # posix_spawn has no cwd argument: engines get absolute paths for everything instead.
    return os.posix_spawnp(argv[0], list(argv), dict(env), file_actions=actions, setsid=True)


def write_pidfile(path: Path, record: PidRecord) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(record)))
    tmp.replace(path)


def read_pidfile(path: Path) -> PidRecord | None:
    try:
        return PidRecord(**json.loads(path.read_text()))
    except (FileNotFoundError, ValueError, TypeError):
        return None


def _reap(pid: int) -> int | None:
    """Collect ``pid`` if it is our exited child; its wait status then, else None."""
    try:
        done, status = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return None
    return status if done == pid else None


def why_not_running(record: PidRecord) -> str | None:
    """None while the recorded engine runs; otherwise why it does not (for error messages)."""
    status = _reap(record.pid)
    if status is not None:
        return f"pid {record.pid} exited with status {os.waitstatus_to_exitcode(status)}"
    try:
        stat = Path(f"/proc/{record.pid}/stat").read_text()
        cmdline = Path(f"/proc/{record.pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except (FileNotFoundError, ProcessLookupError):
        return f"pid {record.pid} no longer exists"
    state = stat.rpartition(")")[2].split()[0]
    if state in ("Z", "X"):
        return f"pid {record.pid} has exited (state {state})"
    # An empty command line is a process between exec steps, not another program.
    if cmdline and record.marker.encode() not in cmdline:
        return f"pid {record.pid} is now another program: {cmdline[:120]!r}"
    return None


def is_running(record: PidRecord) -> bool:
    """The recorded process exists, is not a zombie and still carries its marker."""
    return why_not_running(record) is None


def running(pidfile: Path) -> PidRecord | None:
    record = read_pidfile(pidfile)
    return record if record is not None and is_running(record) else None


def rss_bytes(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except FileNotFoundError:
        return None
    return None


async def wait_exit(record: PidRecord, timeout_s: float) -> bool:
    deadline = time.monotonic() + timeout_s
    while is_running(record):
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def terminate(
    record: PidRecord, timeout_s: float, sig: signal.Signals = signal.SIGTERM
) -> bool:
    """Signal the engine's process group (SIGTERM, or the engine's own shutdown signal),
    wait, then SIGKILL. True if it stopped cleanly."""
    if not is_running(record):
        return True
    signal_group(record.pid, sig)
    if await wait_exit(record, timeout_s):
        return True
    signal_group(record.pid, signal.SIGKILL)
    await wait_exit(record, 10.0)
    return False


def signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        os.killpg(pid, sig)  # setsid made the engine its group's leader: pgid == pid
    except ProcessLookupError:
        pass
    except PermissionError:
        os.kill(pid, sig)
