"""Rebuild httptools — the HTTP/1.1 parser (llhttp) uvicorn serves the gateway with — so its
SSE4.2 paths are compiled in, on x86-64 machines that have SSE4.2.

The x86-64 wheels on PyPI are built for the x86-64 baseline, which has no SSE4.2, so llhttp's
generated code takes its byte-at-a-time loop for every header value: ≈ 6 instructions a byte,
≈ 4,000 instructions per request for the ~660-byte ``Authorization: Bearer <JWT>`` a client
of an OpenID Connect gateway sends (callgrind, the served gateway; docs/access.md). Compiled
with ``-msse4.2`` the same source scans 16 bytes per ``pcmpestri``: ≈ 620 instructions.
Nothing else changes — the same pinned version, from its sdist, the same C sources; the
library's own test suite passed on the rebuilt parser (41 tests). pip accepts the sdist only
with the SHA-256 recorded in ``SDIST_SHA256`` (``--require-hashes``: checked before any of its
code runs). aarch64 wheels need none of this (their NEON paths are always compiled).

The wheel is tried in a folder of its own first (it must load, carry the scans and read a long
header value whole), then installed into the virtualenv and tried there again; if that fails
the stock wheel is put back. A checked wheel is kept in ``$RUMAH_CACHE_DIR/wheels`` (default
``.cache/wheels`` of this checkout; point ``RUMAH_CACHE_DIR`` at one folder to share it between
clones), used again only from a folder this user owns and nobody else can write.

Never in the way of ``make install``: on any failure (no compiler, no network, an unknown
version, a failed build or check) it prints one line, keeps the output in
``build/http-parser.log`` and exits 1 (the Makefile goes on), with the stock wheel installed.

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
        result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, timeout=TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise BuildFailed(f"{what} took more than {TIMEOUT_S} s") from None
    output = (result.stdout + result.stderr).decode("utf-8", errors="replace")
    _log(output)
    if result.returncode != 0:
        raise BuildFailed(f"{what} failed: {_last_error(output)}")
    return output


def _pip(command: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "pip", command, "--disable-pip-version-check", "-q", *args]


def _cache_folder(version: str) -> Path:
    return CACHE / f"httptools-{version}-sse4.2-py{sys.version_info[0]}{sys.version_info[1]}"


def cached_wheel(version: str) -> Path | None:
    """The wheel an earlier run built and checked, if the cache is this user's alone: the
    folder owned by this user and writable by nobody else, one ``httptools-<version>-*.whl``."""
    folder = _cache_folder(version)
    try:
        mode = folder.stat()
    except OSError:
        return None
    if mode.st_uid != os.getuid() or mode.st_mode & 0o022:
        return None
    found = sorted(folder.glob(f"httptools-{version}-*.whl"))
    return found[0] if len(found) == 1 else None


def build(version: str, work: Path) -> Path:
    """The SSE4.2 wheel of ``version``, built in ``work`` from the sdist pip accepted only with
    the recorded SHA-256 (checked before any of its code runs: ``--require-hashes``)."""
    expected = SDIST_SHA256.get(version)
    if expected is None:
        raise BuildFailed(f"no known sdist SHA-256 for httptools {version} (add it here)")
    requirement = work / "requirement.txt"
    requirement.write_text(f"httptools=={version} --hash=sha256:{expected}\n")
    _run(
        "pip download",
        _pip("download", "--retries", "0", "--timeout", "15", "--no-deps", "--no-binary")
        + [":all:", "--no-build-isolation", "--require-hashes", "-r", str(requirement)]
        + ["-d", str(work / "sdist")],
        work,
    )
    sdists = sorted((work / "sdist").glob(f"httptools-{version}.tar.gz"))
    if len(sdists) != 1:
        raise BuildFailed(f"pip download left {len(sdists)} sdists of httptools {version}")
    digest = hashlib.sha256(sdists[0].read_bytes()).hexdigest()
    if digest != expected:  # (pip checked it already: the file built is the file hashed)
        raise BuildFailed(f"the sdist's SHA-256 is {digest}, expected {expected}")
    _run(
        "pip wheel",
        _pip("wheel", "--no-deps", "--no-build-isolation", str(sdists[0]), "-w", str(work / "out")),
        work,
        {**os.environ, "CFLAGS": FLAGS},
    )
    wheels = sorted((work / "out").glob(f"httptools-{version}-*.whl"))
    if len(wheels) != 1:
        raise BuildFailed(f"pip wheel left {len(wheels)} wheels of httptools {version}")
    return wheels[0]


# run in a fresh interpreter: the parser loads from where it was put (argv[1]: a folder, or
# "" for the virtualenv), carries the scans and reads a long header value whole
CHECK = f"""
import sys
import httptools
from httptools.parser import parser
assert parser.__file__.startswith(sys.argv[1]), parser.__file__
assert {PCMPESTRI!r} in open(parser.__file__, "rb").read(), "no SSE4.2 scans"
seen = {{}}
class P:
    def on_header(self, name, value):
        seen[name] = value
value = b"Bearer " + b"x.y_z-" * 200
httptools.HttpRequestParser(P()).feed_data(
    b"GET / HTTP/1.1\\r\\nHost: a\\r\\nAuthorization: " + value + b"\\r\\n\\r\\n"
)
assert seen[b"Authorization"] == value, seen
"""


def verify(wheel: Path, work: Path) -> None:
    """The wheel works, tried outside the virtualenv (a folder of its own in ``work``)."""
    target = work / "check"
    _run(
        "pip install (to try it)",
        _pip("install", "--no-deps", "--no-index", "--target", str(target), str(wheel)),
        work,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    _run("the rebuilt parser's check", [sys.executable, "-c", CHECK, str(target)], work, env)


def install(wheel: Path, version: str) -> None:
    """Into the virtualenv, checked there again; the stock wheel is put back if that fails."""
    _run(
        "pip install",
        _pip("install", "--no-deps", "--no-index", "--force-reinstall", str(wheel)),
        ROOT,
    )
    try:
        _run("the installed parser's check", [sys.executable, "-c", CHECK, ""], ROOT)
    except BuildFailed as exc:
        _run(
            "pip install (the stock wheel back)",
            _pip("install", "--no-deps", "--force-reinstall", "--only-binary", ":all:")
            + [f"httptools=={version}"],
            ROOT,
        )
        raise BuildFailed(f"{exc}; the stock wheel is back") from None


def keep(wheel: Path, version: str) -> None:
    """Into the cache (written whole, then renamed: never a half wheel under its name)."""
    folder = _cache_folder(version)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    for old in folder.glob("httptools-*.whl"):
        old.unlink()
    partial = folder / (wheel.name + ".partial")
    partial.write_bytes(wheel.read_bytes())
    os.replace(partial, folder / wheel.name)


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
        with tempfile.TemporaryDirectory(prefix="rumah-httptools-") as tmp:
            work = Path(tmp)
            wheel = cached_wheel(version)
            built = wheel is None
            if wheel is None:
                wheel = build(version, work)
            verify(wheel, work)
            install(wheel, version)
            if built:
                try:
                    keep(wheel, version)
                except OSError as exc:  # a read-only cache: built again next time
                    _log(f"not cached: {exc}\n")
    except Exception as exc:  # noqa: BLE001 - whatever it is, one line; make install goes on
        if not LOG.exists():
            _log(f"{exc!r}\n")
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
