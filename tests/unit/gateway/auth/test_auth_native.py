"""The compiled access gate (``gateway/auth/native.py``, built by ``tools/native/auth.py``):
used only while every source hashes to what it was built from, never found by Python on its
own, and a build that fails costs one line and changes nothing.

Which code a fresh interpreter runs is checked in subprocesses (the finder is put in place
when ``gateway.auth`` is first imported).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import sysconfig
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


def _probe(cwd: Path, mode: str | None = "auto") -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if k.upper() != "RUMAH_GATEWAY_NATIVE"}
    env["PYTHONPATH"] = str(cwd)
    if mode is not None:
        env["RUMAH_GATEWAY_NATIVE"] = mode
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _manifest(tmp_path: Path, **changes: object) -> Path:
    files = {}
    for name in (*native.MODULES, native.GROUP):
        file = tmp_path / f"{name.rsplit('.', 1)[-1]}.fake.so"
        file.write_bytes(name.encode())
        files[name] = {"file": file.name, "sha256": native._digest(file)}
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
        ({"abi": "cpython-311.cpython-311-aarch64-linux-musl.so"}, "built for another Python"),
        ({"files": {}}, "incomplete"),
        (
            {"files": {m: {"file": "../../evil.so"} for m in (*native.MODULES, native.GROUP)}},
            "incomplete",
        ),
        ({"sources": []}, "unreadable"),
    ],
)
def test_anything_but_a_build_of_todays_sources_is_never_loaded(
    tmp_path: Path, changes: dict[str, object], why: str
) -> None:
    reason, files = native.why_not_current(_manifest(tmp_path, **changes))
    assert reason is not None and why in reason and files == {}


def test_a_build_whose_files_changed_since_is_never_loaded(tmp_path: Path) -> None:
    """A truncated or swapped library would be mapped into the process (a truncated one
    kills it with SIGBUS): each file must be the one that was built."""
    manifest = _manifest(tmp_path)
    (tmp_path / "gate.fake.so").write_bytes(b"truncated")
    reason, files = native.why_not_current(manifest)
    assert reason == "damaged (gateway.auth.gate is not the file that was built)" and not files


def test_a_build_is_stale_when_a_module_it_compiled_types_from_changes(tmp_path: Path) -> None:
    """mypyc compiles in the types of what the three modules import (a ``Principal`` field's
    type is checked against the one it saw): every such module of this tree is hashed too."""
    import ast

    imported: set[str] = set()
    for module in native.MODULES:
        tree = ast.parse(native.source_path(module).read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    ours = {m for m in imported if m.split(".")[0] in ("gateway", "rumah", "services")}
    assert ours - set(native.MODULES) <= set(native.DEPENDENCIES), "hash what is compiled in"
    changed = {**native.source_digests(), "gateway.auth.principal": "0" * 64}
    reason, _ = native.why_not_current(_manifest(tmp_path, sources=changed))
    assert reason == "stale (built from other sources)"


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
    reason = native._reason
    try:  # an unknown mode loads nothing (the settings refuse it with their own error)
        assert native.install("fast") is False
        assert "is not auto, off or require" in (native._reason or "")
    finally:
        native._reason = reason


def test_auto_runs_the_build_of_todays_sources_and_never_a_stale_one(tmp_path: Path) -> None:
    """In the tree: compiled when ``make install`` built it — it must have, wherever mypyc and
    a C compiler are there (CI) — else the sources saying why. In a copy whose ``gate.py`` was
    edited after the build: the sources, always."""
    built = native.why_not_current()[0] is None
    if (
        importlib.util.find_spec("mypyc")
        and shutil.which("cc")
        and sysconfig.get_config_h_filename()
    ):
        assert built, f"make install could have compiled the gate: {native.why_not_current()[0]}"
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


def test_a_library_that_does_not_load_leaves_the_sources_running(tmp_path: Path) -> None:
    """A build that passes every check but cannot be loaded (another machine's, say): the
    gateway still starts, on its sources, and says why."""
    copy = tmp_path / "tree"
    for package in ("gateway", "rumah"):
        shutil.copytree(
            ROOT / package, copy / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    build = copy / "gateway" / "auth" / "_native"
    shutil.rmtree(build, ignore_errors=True)
    build.mkdir()
    files = {}
    for name in (*native.MODULES, native.GROUP):
        file = build / f"{name.rsplit('.', 1)[-1]}.cpython-311-x86_64-linux-gnu.so"
        file.write_text("not a shared library\n")
        files[name] = {"file": file.name, "sha256": native._digest(file)}
    manifest = {"abi": native._abi(), "sources": native.source_digests(copy), "files": files}
    (build / "manifest.json").write_text(json.dumps(manifest))
    seen = _probe(copy)
    assert seen["compiled"] is False
    assert seen["file"] == str(copy / "gateway" / "auth" / "gate.py")
    assert str(seen["reason"]).startswith("unloadable (ImportError")


def test_off_in_the_env_file_is_honoured_like_the_other_settings(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("rumah_gateway_native=off\n")
    env = {k: v for k, v in os.environ.items() if k.upper() != "RUMAH_GATEWAY_NATIVE"}
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=tmp_path, env=env, capture_output=True, text=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1])["reason"] == (
        "off (RUMAH_GATEWAY_NATIVE=off)"
    )
    assert "gate.py" in json.loads(done.stdout.strip().splitlines()[-1])["file"]
