"""The compiled access gate (``gateway/auth/native.py``, built by ``tools/native/auth.py``):
used only while every source hashes to what it was built from, never found by Python on its
own, and a build that fails costs one line and changes nothing.

Which code a fresh interpreter runs is checked in subprocesses (the finder is put in place
when ``gateway.auth`` is first imported).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.auth import native

ROOT = Path(__file__).resolve().parents[4]
PROBE = (
    "import json, gateway.auth\n"
    "from gateway.auth import gate, native\n"
    "print(json.dumps({'compiled': native.compiled(), 'file': gate.__file__,"
    " 'reason': native._reason}))\n"
)


def _probe(cwd: Path, mode: str = "auto") -> dict[str, object]:
    env = {**os.environ, "RUMAH_GATEWAY_NATIVE": mode, "PYTHONPATH": str(cwd)}
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _manifest(tmp_path: Path, **changes: object) -> Path:
    files = {name: f"{name.rsplit('.', 1)[-1]}.fake.so" for name in (*native.MODULES, native.GROUP)}
    for file in files.values():
        (tmp_path / file).write_bytes(b"")
    manifest = {"abi": native._abi(), "sources": native.source_digests(), "files": files}
    manifest.update(changes)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    return path


def test_a_build_of_todays_sources_is_loaded_by_its_exact_files(tmp_path: Path) -> None:
    reason, files = native.why_not_current(_manifest(tmp_path))
    assert reason is None
    assert set(files) == {*native.MODULES, native.GROUP}
    assert all(path.parent == tmp_path for path in files.values())


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"abi": "cpython-312-linux"}, "built for another Python"),
        ({"sources": {m: "0" * 64 for m in native.MODULES}}, "stale"),
        ({"files": {}}, "incomplete"),
        ({"files": {m: "../../evil.so" for m in (*native.MODULES, native.GROUP)}}, "incomplete"),
        ({"sources": []}, "unreadable"),
    ],
)
def test_anything_but_a_build_of_todays_sources_is_never_loaded(
    tmp_path: Path, changes: dict[str, object], why: str
) -> None:
    reason, files = native.why_not_current(_manifest(tmp_path, **changes))
    assert reason is not None and why in reason and files == {}


def test_no_build_and_a_broken_manifest_say_why(tmp_path: Path) -> None:
    assert native.why_not_current(tmp_path / "manifest.json")[0] == "not built"
    (tmp_path / "manifest.json").write_text("{")
    assert "unreadable" in (native.why_not_current(tmp_path / "manifest.json")[0] or "")


def test_off_runs_the_sources_and_require_refuses_without_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _probe(ROOT, "off") == {
        "compiled": False,
        "file": str(ROOT / "gateway" / "auth" / "gate.py"),
        "reason": "off (RUMAH_GATEWAY_NATIVE=off)",
    }
    monkeypatch.setattr(native, "compiled", lambda: False)
    with pytest.raises(native.NativeAuthMissing, match="run `make install`"):
        native.check("require")
    native.check("auto")  # says so, goes on
    with pytest.raises(ValueError, match="auto, off or require"):
        native.install("fast")


def test_auto_runs_the_build_of_todays_sources_and_never_a_stale_one(tmp_path: Path) -> None:
    """In the tree: compiled when ``make install`` built it (CI does), else the sources saying
    why. In a copy whose ``gate.py`` was edited after the build: the sources, always."""
    built = native.why_not_current()[0] is None
    here = _probe(ROOT)
    assert here["compiled"] is built
    where = ROOT / "gateway" / "auth" / ("_native" if built else "")
    assert str(here["file"]).startswith(str(where))
    if not built:
        assert here["reason"] == native.why_not_current()[0]
    copy = tmp_path / "tree"
    for package in ("gateway", "rumah"):
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    gate = copy / "gateway" / "auth" / "gate.py"
    gate.write_text(gate.read_text() + "\n# edited after the build\n")
    edited = _probe(copy)
    assert edited["compiled"] is False and edited["file"] == str(gate)
    stale = "stale (built from other sources)"
    assert edited["reason"] == (stale if built else native.why_not_current()[0])


def test_a_failing_build_is_one_line_and_leaves_the_build_alone(tmp_path: Path) -> None:
    fake = tmp_path / "fake" / "mypyc"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("")
    (fake / "build.py").write_text(
        "import sys\nprint(\"error: command 'cc' failed: No such file or directory\","
        " file=sys.stderr)\nsys.exit(1)\n"
    )
    before = sorted(
        (p.name, p.stat().st_mtime_ns) for p in native.NATIVE_DIR.glob("*") if p.is_file()
    )
    log = tmp_path / "auth.log"
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "fake"),
        "RUMAH_NATIVE_AUTH_LOG": str(log),
        "RUMAH_GATEWAY_NATIVE": "off",
    }
    result = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "native" / "auth.py")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stdout == ""
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("access gate not compiled (mypyc failed: ")
    assert "command 'cc' failed" in line and str(log) in line
    assert "No such file or directory" in log.read_text()
    after = sorted(
        (p.name, p.stat().st_mtime_ns) for p in native.NATIVE_DIR.glob("*") if p.is_file()
    )
    assert after == before
