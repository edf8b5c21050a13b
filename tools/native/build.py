"""Compile ``gateway/executor/kernel.py`` with mypyc into ``gateway/executor/_kernel_native``.

The kernel is compiled alone, from a copy in a scratch directory (so nothing else of the
tree is built or touched), with the SHA-256 of its source appended as ``SOURCE_SHA256``:
``gateway/executor/native.py`` uses the compiled module only while that matches. mypyc comes
with the pinned mypy of the dev dependencies; a C compiler and the Python headers are needed.
On failure the gateway keeps running the pure-Python reference (exit status 1, one line why).

    .venv/bin/python tools/native/build.py [--quiet] [--if-needed]

``--if-needed`` (what ``make install`` runs) builds only when the compiled module is missing
or stale.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "gateway" / "executor" / "kernel.py"
TARGET_DIR = SOURCE.parent
NAME = "_kernel_native"


def build(quiet: bool = False) -> Path:
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
        result = subprocess.run(
            [sys.executable, "-m", "mypyc", f"gateway/executor/{NAME}.py"],
            cwd=tmp, capture_output=True, text=True,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"mypyc failed:\n{result.stdout[-3000:]}{result.stderr[-3000:]}")
        # the module and mypyc's shared library beside it (``_kernel_native__mypyc``)
        built = sorted(package.glob(f"{NAME}*.so"))
        if not any(path.name.startswith(f"{NAME}.") for path in built):
            raise RuntimeError(f"unexpected mypyc output: {sorted(Path(tmp).rglob('*.so'))}")
        for old in TARGET_DIR.glob(f"{NAME}*.so"):
            old.unlink()
        for path in built:
            shutil.copy2(path, TARGET_DIR / path.name)
        target = TARGET_DIR / built[0].name
    if not quiet:
        print(f"built {target.relative_to(ROOT)}")
    return target


def _current() -> bool:
    sys.path.insert(0, str(ROOT))
    from gateway.executor.native import load_kernel

    return load_kernel("auto") is not None


def main() -> None:
    quiet = "--quiet" in sys.argv
    if "--if-needed" in sys.argv and _current():
        return
    started = time.monotonic()
    try:
        target = build(quiet)
    except (RuntimeError, OSError) as exc:
        print(f"gateway kernel not compiled, the pure-Python reference runs: {exc}",
              file=sys.stderr)  # fmt: skip
        raise SystemExit(1) from None
    if not quiet:
        print(f"{target.name}: {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
