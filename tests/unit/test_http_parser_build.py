"""``tools/native/http_parser.py`` (run by ``make install``): httptools rebuilt with llhttp's
SSE4.2 scans only from the sdist whose SHA-256 it knows; a build that cannot be done costs one
line and an exit status the Makefile ignores — never the install, never the stock parser."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "native" / "http_parser.py"


@pytest.fixture
def script(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("http_parser_build", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "CACHE", tmp_path / "wheels")
    monkeypatch.setattr(module, "LOG", tmp_path / "http-parser.log")
    return module


def test_the_locked_httptools_has_a_known_sdist_hash(script: ModuleType) -> None:
    # a version bump without its sdist's SHA-256 would silently stop the rebuild
    pinned = re.search(r"^httptools==(\S+)$", (ROOT / "requirements.lock").read_text(), re.M)
    assert pinned is not None
    assert pinned.group(1) in script.SDIST_SHA256
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in script.SDIST_SHA256.values())


def test_pip_gets_the_recorded_hash_and_a_wrong_file_is_never_built(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ran: list[list[str]] = []

    def fake_run(what: str, args: list[str], cwd: Path, env: object = None) -> str:
        ran.append(args)
        if what == "pip download":  # a pip that let a tampered file through
            (cwd / "sdist").mkdir()
            (cwd / "sdist" / "httptools-0.9.0.tar.gz").write_bytes(b"not the sdist")
        return ""

    monkeypatch.setattr(script, "_run", fake_run)
    with pytest.raises(script.BuildFailed, match="SHA-256 is [0-9a-f]{64}, expected d484eb"):
        script.build("0.9.0", tmp_path)
    assert len(ran) == 1  # nothing compiled
    download = ran[0]
    assert "--require-hashes" in download and "--no-build-isolation" in download
    assert download[download.index("--no-binary") + 1] == ":all:"
    requirement = Path(download[download.index("-r") + 1]).read_text()
    assert requirement == f"httptools==0.9.0 --hash=sha256:{script.SDIST_SHA256['0.9.0']}\n"


def test_a_version_without_a_known_hash_is_not_downloaded(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(script, "_run", lambda *a, **k: pytest.fail("nothing may run"))
    with pytest.raises(script.BuildFailed, match="no known sdist SHA-256 for httptools 9.9.9"):
        script.build("9.9.9", tmp_path)


def _cache_with(script: ModuleType, *names: str, mode: int = 0o700) -> Path:
    folder = script._cache_folder("0.9.0")
    folder.mkdir(parents=True)
    for name in names:
        (folder / name).write_bytes(b"PK")
    folder.chmod(mode)
    return folder


def test_only_this_users_own_cached_wheel_of_the_version_is_used(script: ModuleType) -> None:
    folder = _cache_with(script, "httptools-0.9.0-cp311-cp311-linux_x86_64.whl")
    assert script.cached_wheel("0.9.0") == folder / "httptools-0.9.0-cp311-cp311-linux_x86_64.whl"
    folder.chmod(0o770)  # others may write there: it could hold anything
    assert script.cached_wheel("0.9.0") is None


def test_another_wheel_dropped_into_the_cache_is_never_installed(script: ModuleType) -> None:
    _cache_with(script, "zzz_evil-1.0-py3-none-any.whl")
    assert script.cached_wheel("0.9.0") is None
    folder = script._cache_folder("0.9.0")
    (folder / "httptools-0.9.0-cp311-cp311-linux_x86_64.whl").write_bytes(b"PK")
    (folder / "httptools-0.9.0-py3-none-any.whl").write_bytes(b"PK")
    assert script.cached_wheel("0.9.0") is None  # two candidates: neither


def test_a_wheel_is_cached_whole_under_its_name(script: ModuleType, tmp_path: Path) -> None:
    wheel = tmp_path / "httptools-0.9.0-cp311-cp311-linux_x86_64.whl"
    wheel.write_bytes(b"PK" * 1000)
    script.keep(wheel, "0.9.0")
    folder = script._cache_folder("0.9.0")
    assert sorted(p.name for p in folder.iterdir()) == [wheel.name]
    assert (folder / wheel.name).read_bytes() == wheel.read_bytes()
    assert folder.stat().st_mode & 0o077 == 0


@pytest.fixture
def needs_rebuild(script: ModuleType, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    """The script on a machine that can use the scans, the stock 0.9.0 installed,
    run as ``make install`` runs it."""
    monkeypatch.setattr(script, "applicable", lambda: None)
    monkeypatch.setattr(script, "has_simd", lambda library: False)
    monkeypatch.setattr(script.importlib.metadata, "version", lambda name: "0.9.0")
    monkeypatch.setattr(script.sys, "argv", ["http_parser.py", "--if-needed"])
    return script


def test_a_wheel_that_fails_its_check_is_neither_installed_nor_cached(
    needs_rebuild: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = needs_rebuild
    steps: list[str] = []

    def fake_run(what: str, args: list[str], cwd: Path, env: object = None) -> str:
        steps.append(what)
        if what == "the rebuilt parser's check":
            raise script.BuildFailed("the rebuilt parser's check failed: AssertionError")
        return ""

    def fake_build(version: str, work: Path) -> Path:
        wheel = work / "httptools-0.9.0-cp311-cp311-linux_x86_64.whl"
        wheel.write_bytes(b"PK")
        return wheel

    monkeypatch.setattr(script, "_run", fake_run)
    monkeypatch.setattr(script, "build", fake_build)
    with pytest.raises(SystemExit):
        script.main()
    assert steps == ["pip install (to try it)", "the rebuilt parser's check"]
    assert not script.CACHE.exists()
    assert "the rebuilt parser's check failed" in capsys.readouterr().err


def test_a_failed_build_is_one_line_and_exit_1(
    needs_rebuild: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = needs_rebuild

    def no_compiler(version: str, work: Path) -> Path:
        script._log("error: command 'gcc' failed: No such file or directory\n")
        raise script.BuildFailed("pip wheel failed: error: command 'gcc' failed")

    monkeypatch.setattr(script, "build", no_compiler)
    monkeypatch.setattr(script, "install", lambda *a: pytest.fail("nothing to install"))
    with pytest.raises(SystemExit) as exited:
        script.main()
    assert exited.value.code == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith("httptools not rebuilt with SSE4.2 (pip wheel failed: error: command")
    assert "the stock parser serves" in err
    assert "gcc" in script.LOG.read_text()


def test_a_parser_that_cannot_even_be_found_is_one_line_too(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(script, "applicable", lambda: None)

    def broken(name: str) -> None:
        raise ImportError("cannot import name 'parser'")

    monkeypatch.setattr(script.importlib.util, "find_spec", broken)
    monkeypatch.setattr(script.sys, "argv", ["http_parser.py", "--if-needed"])
    with pytest.raises(SystemExit):
        script.main()
    assert capsys.readouterr().err.count("\n") == 1


def test_if_needed_is_silent_when_the_parser_has_the_scans_or_the_cpu_cannot_use_them(
    script: ModuleType, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(script, "build", lambda *a: pytest.fail("nothing to build"))
    monkeypatch.setattr(script.sys, "argv", ["http_parser.py", "--if-needed"])
    monkeypatch.setattr(script, "applicable", lambda: "this CPU has no SSE4.2")
    script.main()
    monkeypatch.setattr(script, "applicable", lambda: None)
    monkeypatch.setattr(script, "has_simd", lambda library: True)
    script.main()
    assert capsys.readouterr() == ("", "")


def test_the_scans_are_recognised_in_a_compiled_library(script: ModuleType, tmp_path: Path) -> None:
    stock, built = tmp_path / "stock.so", tmp_path / "built.so"
    stock.write_bytes(b"\x7fELF" + b"\x66\x0f\x3a\x60" * 8)  # pcmpestrm's opcode, not ours
    built.write_bytes(b"\x7fELF" + b"\x90" * 8 + b"\x66\x0f\x3a\x61\xc1\x0c")
    assert not script.has_simd(stock)
    assert script.has_simd(built)
