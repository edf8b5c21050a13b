"""Keycloak: the identity provider Rumah's OpenID Connect tests (and a local ``make run``
with single sign-on) use, with the ``rumah`` realm imported at start.

Keycloak 26 needs Java 21 or newer; the machine's default ``java`` may be older, so the
newest JDK from 21 to 25 found in the usual places is used (``RUMAH_KEYCLOAK_JAVA`` names
one explicitly). Each var dir gets its own Keycloak *home* (the H2 database, the realm to
import) whose ``lib``/``conf``/``themes`` are links into the built distribution in the cache.
The realm is imported when the database is new; a changed realm file starts a new database.
"""

from __future__ import annotations

import glob
import hashlib
import os
import re
import shutil
from pathlib import Path

from infra.errors import EngineError
from infra.keycloak_build import ensure_keycloak, keycloak_java_argv
from infra.settings import InfraSettings
from infra.tools import run_tool

REALM_FILE = Path(__file__).resolve().parent / "keycloak" / "realm-rumah.json"
REALM = "rumah"
MIN_JAVA, MAX_JAVA = 21, 25  # what Keycloak 26 supports
_JDK_GLOBS = ("/usr/lib/jvm/*/bin/java", "/opt/*/bin/java", "/opt/*/*/bin/java")


def home_dir(settings: InfraSettings) -> Path:
    return settings.var_dir / "keycloak" / "home"


def issuer(settings: InfraSettings) -> str:
    return f"{settings.keycloak_url}/realms/{REALM}"


async def _java_version(java: str) -> int | None:
    try:
        out = await run_tool("keycloak", [java, "-version"], timeout_s=30)
    except (EngineError, OSError):
        return None
    match = re.search(r'version "(\d+)', out)
    return int(match.group(1)) if match else None


async def find_java(settings: InfraSettings) -> str:
    """A ``java`` Keycloak supports: the configured one, else the newest 21–25 found."""
    if settings.keycloak_java:
        version = await _java_version(settings.keycloak_java)
        if version is None or not MIN_JAVA <= version:
            raise EngineError(
                "keycloak",
                f"RUMAH_KEYCLOAK_JAVA={settings.keycloak_java} is Java {version}; "
                f"Keycloak needs {MIN_JAVA}+",
            )
        return settings.keycloak_java
    java_home = os.environ.get("JAVA_HOME")
    candidates = [shutil.which("java") or "", f"{java_home}/bin/java" if java_home else ""]
    for pattern in _JDK_GLOBS:
        candidates += sorted(glob.glob(pattern))
    found: list[tuple[int, str]] = []
    for candidate in dict.fromkeys(c for c in candidates if c and os.access(c, os.X_OK)):
        version = await _java_version(candidate)
        if version is not None and MIN_JAVA <= version <= MAX_JAVA:
            found.append((version, candidate))
    if not found:
        raise EngineError(
            "keycloak",
            f"no Java {MIN_JAVA}–{MAX_JAVA} found (looked at java on PATH, $JAVA_HOME, "
            f"{', '.join(_JDK_GLOBS)}); install one or set RUMAH_KEYCLOAK_JAVA",
        )
    return max(found)[1]


def _prepare_home(home: Path, dist: Path) -> None:
    """Links to the distribution, the realm to import; a new database if the realm changed."""
    data = home / "data"
    (data / "import").mkdir(parents=True, exist_ok=True)
    for name in ("lib", "conf", "themes", "providers"):
        link = home / name
        if link.is_symlink() and link.resolve() == (dist / name).resolve():
            continue
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(dist / name)
    realm = REALM_FILE.read_bytes()
    stamp = data / "realm.sha256"
    digest = hashlib.sha256(realm).hexdigest()
    if not stamp.exists() or stamp.read_text() != digest:
        shutil.rmtree(data / "h2", ignore_errors=True)  # imported only into a new database
        (data / "import" / REALM_FILE.name).write_bytes(realm)
        stamp.write_text(digest)


async def prepare_keycloak(settings: InfraSettings) -> list[str]:
    java = await find_java(settings)
    dist = await ensure_keycloak(settings, java)
    home = home_dir(settings)
    _prepare_home(home, dist)
    host, port = settings.keycloak_address
    return [
        *keycloak_java_argv(java, home, home, settings.keycloak_heap),
        "start",
        "--optimized",
        "--http-enabled=true",
        f"--http-host={host}",
        f"--http-port={port}",
        "--hostname-strict=false",
        "--import-realm",
        "--log-level=warn,org.keycloak.services:info,io.quarkus:info",
    ]


async def probe_keycloak(settings: InfraSettings, timeout_s: float = 10.0) -> None:
    """The realm's discovery document answers and names the expected issuer."""
    import aiohttp

    expected = issuer(settings)
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(f"{expected}/.well-known/openid-configuration") as r:
            if r.status != 200:
                raise EngineError("keycloak", f"discovery answered {r.status}")
            found = (await r.json()).get("issuer")
    if found != expected:
        raise EngineError("keycloak", f"issuer is {found!r}, expected {expected!r}")


def keycloak_version(settings: InfraSettings) -> str | None:
    """The version of the distribution the home links to (its ``version.txt``)."""
    try:
        text = (home_dir(settings) / "lib" / ".." / "version.txt").resolve().read_text()
    except OSError:
        return None
    match = re.search(r"(\d+\.\d+\.\d+)", text)
    return match.group(1) if match else None
