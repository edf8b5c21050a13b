"""Compile ``gateway/executor/kernel.py`` with mypyc into ``gateway/executor/_kernel_native``.

The kernel is compiled alone, from a copy in a scratch directory (so nothing else of the
tree is built or touched), with the SHA-256 of its source appended as ``SOURCE_SHA256``:
``gateway/executor/native.py`` uses the compiled module only while that matches. mypyc is the
one of the mypy pinned in ``requirements-dev.lock`` (refused when another mypy is installed),
built through the pinned setuptools; a C compiler and the Python headers are needed.

Never in the way of ``make install``: on any failure (mypyc or a compiler missing, a compile
error, more than ``TIMEOUT_S``) it prints one line — the gateway runs the pure-Python
reference — keeps the full output in ``build/native-kernel.log`` and exits 1 (the Makefile
goes on). A build that fails leaves any earlier compiled module in place; a stale one is never
used anyway.

    .venv/bin/python tools/native/build.py [--if-needed]

``--if-needed`` (what ``make install`` runs) does nothing, silently, when the compiled module
is current.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "gateway" / "executor" / "kernel.py"
TARGET_DIR = SOURCE.parent
LOCK = ROOT / "requirements-dev.lock"
LOG = Path(os.environ.get("RUMAH_NATIVE_BUILD_LOG", ROOT / "build" / "native-kernel.log"))
NAME = "_kernel_native"
TIMEOUT_S = 240  # ≈ 15-30 s normally; only a wedged compiler gets near this


class BuildFailed(Exception):
    """Why the kernel was not compiled (one line); the details are in ``LOG``."""


def pinned_mypy() -> str:
    """The mypy version ``requirements-dev.lock`` pins (mypyc ships with it)."""
    found = re.search(r"^mypy==(\S+)$", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise BuildFailed(f"no mypy pin in {LOCK.name}")
    return found.group(1)


def check_toolchain() -> str:
    """The mypyc version to build with, or ``BuildFailed`` saying what is missing."""
    if importlib.util.find_spec("mypyc") is None:
        raise BuildFailed("mypyc is not installed (make install installs the dev lock)")
    installed = importlib.metadata.version("mypy")
    wanted = pinned_mypy()
    if installed != wanted:
        raise BuildFailed(f"mypy {installed} is installed, {LOCK.name} pins {wanted}")
    return installed


def build() -> Path:
    text = SOURCE.read_bytes()
    digest = hashlib.sha256(text).hexdigest()
    with tempfile.TemporaryDirectory(prefix="rumah-kernel-") as tmp:
        package = Path(tmp) / "gateway" / "executor"
        package.mkdir(parents=True)
        (package.parent / "__init__.py").write_text("")
        (package / "__init__.py").write_text("")
        (package / f"{NAME}.py").write_bytes(
            text + f'\nSOURCE_SHA256: Final = "{digest}"\n'.encode()
        )
        run_mypyc(["-m", "mypyc", f"gateway/executor/{NAME}.py"], Path(tmp), LOG)
        # the module and mypyc's shared library beside it (``_kernel_native__mypyc``)
        built = sorted(package.glob(f"{NAME}*.so"))
        if not any(path.name.startswith(f"{NAME}.") for path in built):
            raise BuildFailed(f"mypyc wrote no {NAME} module")
        for old in TARGET_DIR.glob(f"{NAME}*.so"):
            old.unlink()
        for path in built:
            shutil.copy2(path, TARGET_DIR / path.name)
        return TARGET_DIR / next(p.name for p in built if p.name.startswith(f"{NAME}."))


def run_mypyc(args: list[str], cwd: Path, log: Path) -> None:
    """Run ``python <args>`` (a mypyc build) in ``cwd``, its whole output kept in ``log``;
    ``BuildFailed`` (one line) when it fails or takes more than ``TIMEOUT_S``."""
    try:
        result = subprocess.run(
            [sys.executable, *args], cwd=cwd, capture_output=True, text=True, timeout=TIMEOUT_S
        )
    except subprocess.TimeoutExpired as exc:
        _log(f"{exc.stdout or ''}{exc.stderr or ''}", log)
        raise BuildFailed(f"mypyc took more than {TIMEOUT_S} s") from None
    _log(result.stdout + result.stderr, log)
    if result.returncode != 0:
        raise BuildFailed(f"mypyc failed: {_last_error(result.stdout + result.stderr)}")


def _log(text: str, log: Path | None = None) -> None:
    log = LOG if log is None else log
    log.parent.mkdir(parents=True, exist_ok=True)
    log.write_text(text, encoding="utf-8")


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1][:200]


def _current() -> bool:
    sys.path.insert(0, str(ROOT))
    from gateway.executor.native import load_kernel

    return load_kernel("auto") is not None


def main() -> None:
    if "--if-needed" in sys.argv and _current():
        return
    started = time.monotonic()
    LOG.unlink(missing_ok=True)
    try:
        version = check_toolchain()
        target = build()
    except (BuildFailed, OSError) as exc:
        if not LOG.exists():
            _log(f"{exc}\n")
        print(
            f"gateway kernel not compiled ({exc}); the gateway runs the pure-Python reference"
            f" (details: {LOG})",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    elapsed = time.monotonic() - started
    print(
        f"gateway kernel compiled with mypyc {version} in {elapsed:.0f} s: "
        f"{target.relative_to(ROOT)}"
    )


if __name__ == "__main__":
    main()
