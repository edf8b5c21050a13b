"""Running the build tools (Maven, Go, Java) quietly: output is shown only when they fail."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from infra.errors import EngineError

_TAIL_LINES = 60


def tail(text: str, lines: int = _TAIL_LINES) -> str:
    return "\n".join(text.splitlines()[-lines:])


def log_tail(path: Path, lines: int = 40) -> str:
    if not path.exists():
        return f"(no log at {path})"
    with path.open("rb") as f:
        f.seek(max(0, path.stat().st_size - 64 * 1024))
        return tail(f.read().decode("utf-8", "replace"), lines)


def require_tool(engine: str, name: str, what: str) -> str:
    """Resolve an executable on PATH (or an absolute path), or fail naming what needs it."""
    found = shutil.which(name)
    if found is None:
        raise EngineError(engine, f"`{name}` not found on PATH; {what} needs it")
    return found


async def run_tool(
    engine: str,
    argv: Sequence[str],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 1800.0,
) -> str:
    """Run ``argv`` to completion and return its output; on failure raise with its tail."""
    proc = await asyncio.create_subprocess_exec(
        *argv,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        out, _ = await asyncio.wait_for(proc.communicate(), timeout_s)
    except BaseException as exc:
        # Timed out or cancelled (Ctrl-C, a failing sibling): never leave a build running.
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        if isinstance(exc, TimeoutError):
            command = " ".join(argv)
            raise EngineError(engine, f"`{command}` did not finish in {timeout_s:.0f}s") from None
        raise
    text = out.decode("utf-8", "replace")
    if proc.returncode != 0:
        command = " ".join(argv)
        message = f"`{command}` failed with exit code {proc.returncode}"
        raise EngineError(engine, message, tail(text), source="output")
    return text


async def java_major_version(java: str) -> int:
    out = await run_tool("kafka", [java, "-version"])
    # `java -version` prints e.g. `openjdk version "17.0.15" 2025-04-15` (or "1.8.0_392").
    match = re.search(r'version "(\d+)(?:\.(\d+))?', out)
    if match is None:
        raise EngineError("kafka", f"cannot read the Java version from: {tail(out, 3)}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major
