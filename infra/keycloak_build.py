"""Keycloak from Maven Central, unpacked and *built* once into the cache.

``org.keycloak:keycloak-quarkus-dist:<version>:zip`` is fetched with Maven (like Kafka),
unpacked, and ``kc build`` runs once with the options below, so every start is a
``start --optimized`` (no Quarkus augmentation at start-up: the slow part). The result lives
in ``<cache>/keycloak/<version>-<options digest>``; other options or versions get their own
directory. A build is done in ``….partial`` and renamed when complete, so an interrupted
build is never used.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from infra.errors import EngineError
from infra.kafka_build import maven_repo
from infra.settings import InfraSettings
from infra.tools import require_tool, run_tool

# Build-time options: the embedded H2 file database, features a local identity provider for
# Rumah never uses trimmed (less to initialise at every start).
BUILD_OPTIONS = (
    "--db=dev-file",
    "--features-disabled=kerberos,ciba,device-flow,impersonation",
)
JVM_BASE = (
    "-XX:+UseG1GC",
    "-XX:MetaspaceSize=96M",
    "-XX:MaxMetaspaceSize=256m",
    "-XX:+ExitOnOutOfMemoryError",
    "-Dfile.encoding=UTF-8",
    "-Djava.security.egd=file:/dev/urandom",
    "--add-opens=java.base/java.util=ALL-UNNAMED",
    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
    "--add-opens=java.base/java.security=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
    "--enable-native-access=ALL-UNNAMED",
    "-Duser.language=en",
    "-Duser.country=US",
    "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
    "-Dpicocli.disable.closures=true",
    "-Djava.util.concurrent.ForkJoinPool.common.threadFactory="
    "io.quarkus.bootstrap.forkjoin.QuarkusForkJoinWorkerThreadFactory",
)
ENTRY_POINT = "io.quarkus.bootstrap.runner.QuarkusEntryPoint"


def build_dir(settings: InfraSettings) -> Path:
    digest = hashlib.sha256("\n".join(BUILD_OPTIONS).encode()).hexdigest()[:8]
    return settings.cache_dir / "keycloak" / f"{settings.keycloak_version}-{digest}"


def keycloak_java_argv(java: str, home: Path, dist: Path, heap: str) -> list[str]:
    """``java …`` running Keycloak with ``home`` as ``kc.home.dir`` and ``dist``'s jars."""
    return [
        java,
        "-Xms64m",
        f"-Xmx{heap}",
        *JVM_BASE,
        f"-Dkc.home.dir={home}",
        f"-Djboss.server.config.dir={home / 'conf'}",
        "-cp",
        str(dist / "lib" / "quarkus-run.jar"),
        ENTRY_POINT,
    ]


async def ensure_keycloak(settings: InfraSettings, java: str) -> Path:
    """The built Keycloak distribution directory (fetched, unpacked and built if needed)."""
    target = build_dir(settings)
    if (target / "built.json").exists():
        return target
    zip_path = await _fetch(settings)
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    with zipfile.ZipFile(zip_path) as archive:
        archive.extractall(partial)
    [unpacked] = [p for p in partial.iterdir() if p.is_dir()]
    argv = keycloak_java_argv(java, unpacked, unpacked, settings.keycloak_heap)
    await run_tool("keycloak", [*argv, "build", *BUILD_OPTIONS], timeout_s=1200)
    (unpacked / "built.json").write_text(
        json.dumps({"version": settings.keycloak_version, "options": BUILD_OPTIONS})
    )
    shutil.rmtree(target, ignore_errors=True)
    unpacked.rename(target)
    shutil.rmtree(partial, ignore_errors=True)
    return target


async def _fetch(settings: InfraSettings) -> Path:
    version = settings.keycloak_version
    repo = maven_repo(settings)
    name = f"keycloak-quarkus-dist-{version}.zip"
    path = repo / "org" / "keycloak" / "keycloak-quarkus-dist" / version / name
    if path.exists():
        return path
    mvn = require_tool("keycloak", settings.mvn, "fetching Keycloak from Maven Central")
    await run_tool(
        "keycloak",
        [
            mvn,
            "-q",
            "-B",
            "-Dstyle.color=never",
            f"-Dmaven.repo.local={repo}",
            "dependency:get",
            f"-Dartifact=org.keycloak:keycloak-quarkus-dist:{version}:zip",
            "-Dtransitive=false",
        ],
    )
    if not path.exists():
        raise EngineError("keycloak", f"Maven reported success but {path} is missing")
    return path
