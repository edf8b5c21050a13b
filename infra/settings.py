"""``InfraSettings``: where the local engines listen, which versions run, where files live.

Every field is an environment variable with the ``RUMAH_`` prefix (``.env`` works too); the
table in docs/infra.md lists them with their defaults. Relative paths are taken from the
project root, so ``rumah infra …`` behaves the same from any working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator

from rumah.settings import RumahSettings

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _host_port(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host:
        return address, default_port
    return host.strip("[]"), int(port)


class InfraSettings(RumahSettings):
    # where `rumah infra up` starts Kafka (one broker, KRaft)
    kafka_bootstrap: str = "127.0.0.1:9092"
    # KRaft controller listener
    kafka_controller_port: int = Field(default=9093, gt=0, lt=65536)
    # Apache Kafka release fetched from Maven Central
    kafka_version: str = "4.4.0"
    kafka_log4j_version: str | None = None  # None: the version the Kafka release declares
    # broker JVM heap (-Xmx/-Xms)
    kafka_heap: str = "512m"
    # where `rumah infra up` starts FerretDB (SQLite backend)
    mongo_url: str = "mongodb://127.0.0.1:27017"
    # FerretDB log level
    ferretdb_log_level: Literal["debug", "info", "warn", "error"] = "error"
    # where `rumah infra up` starts Keycloak (realm rumah; docs/access.md)
    keycloak_url: str = "http://127.0.0.1:8180"
    # Keycloak release (org.keycloak:keycloak-quarkus-dist) fetched from Maven Central
    keycloak_version: str = "26.7.3"
    # java for Keycloak (21+); unset: the newest JDK 21–25 found (PATH, /usr/lib/jvm, /opt)
    keycloak_java: str | None = None
    # Keycloak JVM heap (-Xmx)
    keycloak_heap: str = "512m"
    # seconds Keycloak may take to answer after start (a first start creates its database)
    keycloak_start_timeout_s: float = Field(default=600.0, gt=0)
    # engines' data and logs (relative: to the project)
    var_dir: Path = Path("var")
    # downloaded jars and the FerretDB build
    cache_dir: Path = Path(".cache")
    # java executable
    java: str = "java"
    # Maven executable (fetches Kafka)
    mvn: str = "mvn"
    # Go executable (builds FerretDB)
    go: str = "go"
    # seconds an engine may take to answer after start
    infra_start_timeout_s: float = Field(default=180.0, gt=0)
    # seconds before a stopping engine is killed
    infra_stop_timeout_s: float = Field(default=30.0, gt=0)

    @field_validator("var_dir", "cache_dir")
    @classmethod
    def _from_project_root(cls, value: Path) -> Path:
        return value if value.is_absolute() else PROJECT_ROOT / value

    @field_validator("kafka_bootstrap")
    @classmethod
    def _single_host_port(cls, value: str) -> str:
        first = value.split(",")[0].strip()
        _host_port(first, 9092)
        return first

    @property
    def kafka_address(self) -> tuple[str, int]:
        return _host_port(self.kafka_bootstrap, 9092)

    @property
    def keycloak_address(self) -> tuple[str, int]:
        parts = urlsplit(self.keycloak_url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def mongo_address(self) -> tuple[str, int]:
        parts = urlsplit(self.mongo_url)
        return parts.hostname or "127.0.0.1", parts.port or 27017
