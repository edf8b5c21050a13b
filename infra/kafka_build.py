"""Resolve the Kafka broker runtime from Maven Central with Maven, once, into the cache.

``infra/kafka/pom.xml`` names ``org.apache.kafka:kafka_2.13`` plus the Log4j 2 jars the
broker needs to log; ``mvn dependency:copy-dependencies`` copies them into
``<cache>/kafka/<version>/libs``. The Log4j version is the one the Kafka release itself
declares (its kafka-server POM), so changing ``RUMAH_KAFKA_VERSION`` keeps them matched.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from infra.errors import EngineError
from infra.settings import InfraSettings
from infra.tools import require_tool, run_tool

POM = Path(__file__).resolve().parent / "kafka" / "pom.xml"
_M = "{http://maven.apache.org/POM/4.0.0}"


def libs_dir(settings: InfraSettings) -> Path:
    return settings.cache_dir / "kafka" / settings.kafka_version / "libs"


def maven_repo(settings: InfraSettings) -> Path:
    return settings.cache_dir / "maven" / "repository"


async def ensure_kafka(settings: InfraSettings) -> Path:
    """Return the directory of the broker's jars, resolving them first if needed."""
    libs = libs_dir(settings)
    stamp = libs.parent / "resolved.json"
    if libs.is_dir() and stamp.exists():
        recorded = json.loads(stamp.read_text())
        wanted = settings.kafka_log4j_version or recorded.get("log4j")
        if recorded.get("pom_sha256") == _pom_digest() and recorded.get("log4j") == wanted:
            return libs
    mvn = require_tool("kafka", settings.mvn, "resolving the Kafka broker from Maven Central")
    base = [mvn, "-q", "-B", "-Dstyle.color=never", "-f", str(POM)]
    base.append(f"-Dmaven.repo.local={maven_repo(settings)}")
    base.append(f"-Dkafka.version={settings.kafka_version}")
    log4j = settings.kafka_log4j_version or await _declared_log4j(settings, base)
    partial = libs.parent / "libs.partial"
    shutil.rmtree(partial, ignore_errors=True)
    await run_tool(
        "kafka",
        [
            *base,
            f"-Dlog4j.version={log4j}",
            "dependency:copy-dependencies",
            f"-DoutputDirectory={partial}",
        ],
    )
    shutil.rmtree(libs, ignore_errors=True)
    partial.rename(libs)
    stamp.write_text(json.dumps({"pom_sha256": _pom_digest(), "log4j": log4j}))
    return libs


async def _declared_log4j(settings: InfraSettings, base: list[str]) -> str:
    repo = maven_repo(settings)
    version = settings.kafka_version
    for artifact in ("kafka-server", "kafka_2.13"):
        coords = f"org.apache.kafka:{artifact}:{version}:pom"
        await run_tool(
            "kafka", [*base, "dependency:get", f"-Dartifact={coords}", "-Dtransitive=false"]
        )
        pom = repo / "org/apache/kafka" / artifact / version / f"{artifact}-{version}.pom"
        found = _log4j_core_version(pom)
        if found:
            return found
    raise EngineError(
        "kafka",
        f"Kafka {version}'s POMs declare no log4j-core; set RUMAH_KAFKA_LOG4J_VERSION "
        "to the Log4j 2 version that release ships",
    )


def _log4j_core_version(pom: Path) -> str | None:
    for dep in ET.parse(pom).getroot().iter(f"{_M}dependency"):
        if dep.findtext(f"{_M}artifactId") == "log4j-core":
            return dep.findtext(f"{_M}version")
    return None


def _pom_digest() -> str:
    return hashlib.sha256(POM.read_bytes()).hexdigest()
