"""``rumah ledger verify/export/head`` read the hub that runs on this machine (unless the
environment chooses), say which store they read, never call an empty ledger verified, and
report progress."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import orjson
import pytest

from rumah.common.hub import write_hub
from services.kit.ports import DocumentStore, EventLog
from services.ledger.core import Ledger
from services.ledger.export import export
from services.ledger.testing import permit_event

N = 2500


@pytest.fixture
async def filled(ledger: Ledger, backends: tuple[DocumentStore, EventLog]) -> Ledger:
    assert ledger.writer is not None
    for start in range(0, N, 500):
        await ledger.writer.append([permit_event(n) for n in range(start, start + 500)])
    return ledger


async def test_verify_and_export_report_their_progress(filled: Ledger) -> None:
    seen: list[tuple[int, int]] = []
    result = await filled.verify(on_progress=lambda done, total: seen.append((done, total)))
    assert result.ok and result.checked == N
    assert seen == [(0, N), (1000, N), (2000, N)]
    scanned: list[tuple[int, int]] = []
    checked: list[tuple[int, int]] = []

    class Sink:
        def write(self, text: str) -> int:
            return len(text)

    await export(
        filled,
        Sink(),
        first=1,
        last=N,  # type: ignore[arg-type]
        on_progress=lambda d, t: scanned.append((d, t)),
        on_verify=lambda d, t: checked.append((d, t)),
    )
    assert scanned == [(1000, N), (2000, N), (N, N)] and checked[0] == (0, N)


async def _cli(cwd: Path, env: dict[str, str], *args: str) -> tuple[int, str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("RUMAH_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "rumah.cli",
        "ledger",
        *args,
        cwd=cwd,
        env={
            **clean,
            "RUMAH_LEDGER_DB": "ledger",
            "RUMAH_LEDGER_SEGMENT_SIZE": "10",
            "RUMAH_VAR_DIR": str(cwd / "var"),
            **env,
        },
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return proc.returncode or 0, out.decode(), err.decode()


async def test_the_cli_reads_the_running_hub_and_says_which_store(
    filled: Ledger, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # no hub running, nothing in the environment: the defaults (var/data under the cwd: empty)
    status, out, err = await _cli(elsewhere, {}, "verify")
    assert status == 0, err
    assert out.startswith("EMPTY: ledger ledger holds no entries (nothing verified)")
    assert "OK" not in out and "verified (0)" not in out
    assert "backend embedded from the defaults (no hub running)" in err
    assert f"sqlite at {elsewhere / 'var' / 'data' / 'ledger.store.sqlite3'}" in err
    status, out, _ = await _cli(elsewhere, {}, "verify", "--json")
    body = orjson.loads(out)
    assert body["empty"] is True and body["store"]["backend"] == "embedded"

    # `rumah run` recorded its backend: the same plain command now reads that hub's ledger
    write_hub(
        {"RUMAH_BACKEND": "embedded", "RUMAH_DATA_DIR": str(tmp_path)},
        {"RUMAH_BACKEND": "embedded", "RUMAH_DATA_DIR": str(tmp_path)},
        "2026-12-06T00:00:00+00:00",
        elsewhere / "var" / "run" / "hub.json",
    )
    status, out, err = await _cli(elsewhere, {}, "verify")
    assert status == 0, err
    assert out.startswith(f"OK: entries 1..{N} verified ({N})"), out
    assert f"from the hub started by `rumah run` (pid {os.getpid()}" in err
    assert f"sqlite at {tmp_path / 'ledger.store.sqlite3'}" in err
    status, out, err = await _cli(elsewhere, {}, "head")
    assert out.startswith(f"{N} ") and "from the hub" in err

    # the environment still chooses when it says so
    status, out, err = await _cli(elsewhere, {"RUMAH_BACKEND": "embedded"}, "verify")
    assert out.startswith("EMPTY") and "from the environment (RUMAH_BACKEND)" in err

    status, out, err = await _cli(elsewhere, {}, "export", "--out", str(tmp_path / "e.jsonl"))
    assert status == 0, err
    assert f"wrote {N} entries (1..{N})" in err and "verification OK" in err
    assert "from the hub started by `rumah run`" in err
