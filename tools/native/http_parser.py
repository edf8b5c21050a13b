"""Rebuild httptools — the HTTP/1.1 parser (llhttp) uvicorn serves the gateway with — so its
SSE4.2 paths are compiled in, on x86-64 machines that have SSE4.2.

The x86-64 wheels on PyPI are built for the x86-64 baseline, which has no SSE4.2, so llhttp's
generated code takes its byte-at-a-time loop for every header value: ≈ 6 instructions a byte,
≈ 4,000 instructions per request for the ~660-byte ``Authorization: Bearer <JWT>`` a client
of an OpenID Connect gateway sends (callgrind, the served gateway; docs/access.md). Compiled
with ``-msse4.2`` the same source scans 16 bytes per ``pcmpestri``: ≈ 620 instructions.
Nothing else changes — the same pinned version, from its sdist (SHA-256 checked against
``SDIST_SHA256``), the same C sources; the library's own test suite passed on the rebuilt
parser (41 tests). aarch64 wheels need none of this (their NEON paths are always compiled).

Never in the way of ``make install``: on any failure (no compiler, no network, an unknown
version, a failed build) it prints one line, keeps the output in ``build/http-parser.log``,
exits 1 (the Makefile goes on) and the stock wheel stays installed. The built wheel is kept in
``$RUMAH_CACHE_DIR/wheels`` (default ``.cache/wheels``), so a fresh clone on the same machine
installs it without building.

    .venv/bin/python tools/native/http_parser.py [--if-needed]

``--if-needed`` (what ``make install`` runs) does nothing, silently, when the installed parser
has the SSE4.2 paths already or the machine cannot use them.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
LOG = Path(os.environ.get("RUMAH_HTTP_PARSER_LOG", ROOT / "build" / "http-parser.log"))
CACHE = Path(os.environ.get("RUMAH_CACHE_DIR") or ROOT / ".cache") / "wheels"
# the sdists this script builds from (a version bump adds its line: `sha256sum` of the file
# PyPI serves); tests/unit/test_http_parser_build.py fails while the lock's pin has none
SDIST_SHA256 = {"0.9.0": "d484ebb7e3a3f3597b0f645fbd1b85633674ca808c1f5ba11c2caf7c66f5c8b6"}
PCMPESTRI = b"\x66\x0f\x3a\x61"  # the SSE4.2 instruction llhttp's 16-byte scans compile to
FLAGS = "-O2 -msse4.2"
TIMEOUT_S = 300  # ≈ 10 s normally (download and compile)


class BuildFailed(Exception):
    """Why the parser was not rebuilt (one line); the details are in ``LOG``."""


def applicable() -> str | None:
    """Why this machine needs no rebuild (None: it does)."""
    if platform.machine() not in ("x86_64", "AMD64"):
        return f"{platform.machine()}: the wheel's SIMD paths need no rebuild"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return "no /proc/cpuinfo to read the CPU's features from"
    if not re.search(r"^flags\s*:.*\bsse4_2\b", flags, re.MULTILINE):
        return "this CPU has no SSE4.2"
    return None


def parser_library() -> Path:
    spec = importlib.util.find_spec("httptools.parser.parser")
    if spec is None or spec.origin is None:
        raise BuildFailed("httptools is not installed")
    return Path(spec.origin)


def has_simd(library: Path) -> bool:
    """Whether the compiled parser contains llhttp's SSE4.2 scans."""
    return PCMPESTRI in library.read_bytes()


def pinned_version() -> str:
    found = re.search(r"^httptools==(\S+)$", LOCK.read_text(encoding="utf-8"), re.MULTILINE)
    if found is None:
        raise BuildFailed(f"no httptools pin in {LOCK.name}")
    return found.group(1)


def _run(what: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    try:
        result = subprocess.run(
            args,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"{what} took more than {TIMEOUT_S} s") from None
    output = result.stdout + result.stderr
    _log(output)
    if result.returncode != 0:
        raise BuildFailed(f"{what} failed: {_last_error(output)}")
    return output


def build(version: str) -> Path:
    """The SSE4.2 wheel of ``version``: from the cache, or built from the checked sdist."""
    expected = SDIST_SHA256.get(version)
    if expected is None:
        raise BuildFailed(f"no known sdist SHA-256 for httptools {version} (add it here)")
    cached = CACHE / f"httptools-{version}-sse4.2-py{sys.version_info[0]}{sys.version_info[1]}"
    found = sorted(cached.glob("*.whl")) if cached.is_dir() else []
    if found:
        return found[-1]
    with tempfile.TemporaryDirectory(prefix="rumah-httptools-") as tmp:
        work = Path(tmp)
        _run(
            "pip download",
            [sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "-q"]
            + ["--no-deps", "--no-binary", ":all:", f"httptools=={version}", "-d", str(work)],
            work,
        )
        sdists = sorted(work.glob("httptools-*.tar.gz"))
        if len(sdists) != 1:
            raise BuildFailed(f"pip download left {len(sdists)} sdists")
        digest = hashlib.sha256(sdists[0].read_bytes()).hexdigest()
        if digest != expected:
            raise BuildFailed(f"the sdist's SHA-256 is {digest}, expected {expected}")
        env = {**os.environ, "CFLAGS": FLAGS}
        _run(
            "pip wheel",
            [sys.executable, "-m", "pip", "wheel", "--disable-pip-version-check", "-q"]
            + ["--no-deps", "--no-build-isolation", str(sdists[0]), "-w", str(work / "out")],
            work,
            env,
        )
        wheels = sorted((work / "out").glob("httptools-*.whl"))
        if len(wheels) != 1:
            raise BuildFailed(f"pip wheel left {len(wheels)} wheels")
        cached.mkdir(parents=True, exist_ok=True)
        target = cached / wheels[0].name
        target.write_bytes(wheels[0].read_bytes())
        return target


def install(wheel: Path) -> None:
    _run(
        "pip install",
        [sys.executable, "-m", "pip", "install", "--disable-pip-version-check", "-q"]
        + ["--no-deps", "--no-index", "--force-reinstall", str(wheel)],
        ROOT,
    )
    # a fresh interpreter: the parser must load, carry the scans and read a long value whole
    check = (
        "import httptools, sys\n"
        "from httptools.parser import parser\n"
        f"data = open(parser.__file__, 'rb').read(); assert {PCMPESTRI!r} in data\n"
        "seen = {}\n"
        "class P:\n"
        "    def on_header(self, name, value): seen[name] = value\n"
        "value = b'Bearer ' + b'x.y_z-' * 200\n"
        "httptools.HttpRequestParser(P()).feed_data(\n"
        "    b'GET / HTTP/1.1\\r\\nHost: a\\r\\nAuthorization: ' + value + b'\\r\\n\\r\\n')\n"
        "assert seen[b'Authorization'] == value, seen\n"
    )
    _run("the rebuilt parser's check", [sys.executable, "-c", check], ROOT)


def _log(text: str) -> None:
    LOG.parent.mkdir(parents=True, exist_ok=True)
    with LOG.open("a", encoding="utf-8") as out:
        out.write(text)


def _last_error(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["no output"])[-1][:200]


def main() -> None:
    if_needed = "--if-needed" in sys.argv
    reason = applicable()
    if reason is not None:
        if not if_needed:
            print(f"httptools not rebuilt: {reason}")
        return
    started = time.monotonic()
    try:
        if if_needed and has_simd(parser_library()):
            return
        LOG.unlink(missing_ok=True)
        version = importlib.metadata.version("httptools")
        pinned = pinned_version()
        if version != pinned:
            raise BuildFailed(f"httptools {version} is installed, {LOCK.name} pins {pinned}")
        wheel = build(version)
        install(wheel)
    except (BuildFailed, OSError, importlib.metadata.PackageNotFoundError) as exc:
        if not LOG.exists():
            _log(f"{exc}\n")
        print(
            f"httptools not rebuilt with SSE4.2 ({exc}); the stock parser serves (details: {LOG})",
            file=sys.stderr,
        )
        raise SystemExit(1) from None
    print(
        f"httptools {version} rebuilt with {FLAGS} (llhttp's SIMD header scans) "
        f"in {time.monotonic() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
