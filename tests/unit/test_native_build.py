"""``tools/native/build.py`` (run by ``make install``): a kernel that cannot be compiled costs one
line and an exit status the Makefile ignores — never the install, never an earlier build."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "native" / "build.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("native_build", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_failing_compile_is_one_line_and_leaves_the_tree_alone(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "mypyc"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "__main__.py").write_text(
        "import sys\nprint('building extension')\n"
        "print(\"error: command 'cc' failed: No such file or directory\", file=sys.stderr)\n"
        "sys.exit(1)\n"
    )
    compiled = ROOT / "gateway" / "executor"
    before = {p.name: p.stat().st_mtime_ns for p in compiled.glob("_kernel_native*.so")}
    log = tmp_path / "native.log"
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "fake"), "RUMAH_NATIVE_BUILD_LOG": str(log)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT)], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("gateway kernel not compiled (mypyc failed: error: command")
    assert "pure-Python reference" in result.stderr
    assert "building extension" in log.read_text()
    after = {p.name: p.stat().st_mtime_ns for p in compiled.glob("_kernel_native*.so")}
    assert after == before


def test_without_mypyc_nothing_is_attempted(monkeypatch: pytest.MonkeyPatch) -> None:
    build = _load()
    monkeypatch.setattr(build.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(build.BuildFailed, match="mypyc is not installed"):
        build.check_toolchain()


def test_only_the_locked_mypy_builds(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    build = _load()
    assert build.check_toolchain() == build.pinned_mypy()  # this venv: make install synced it
    lock = tmp_path / "requirements-dev.lock"
    lock.write_text("mypy==0.0.1\n    # via rumah\n")
    monkeypatch.setattr(build, "LOCK", lock)
    with pytest.raises(build.BuildFailed, match="pins 0.0.1"):
        build.check_toolchain()
