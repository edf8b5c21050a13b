"""``InfraSettings``: where the local engines listen, which versions run, where files live.

Every field is an environment variable with the ``RUMAH_`` prefix (``.env`` works too); the
table in docs/infra.md lists them with their defaults. Relative paths are taken from the
project root, so ``rumah infra …`` behaves the same from any working directory.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, FilePath, SecretStr, field_validator, model_validator

from rumah.common.kafka_client import KafkaClientSettings
from rumah.common.settings import RumahSettings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# Characters the broker's SCRAM format option and its JAAS line cannot carry unquoted.
_SCRAM_UNSAFE = "\"\\,=[]'"


def _host_port(address: str, default_port: int) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    if not host:
        return address, default_port
    return host.strip("[]"), int(port)


class InfraSettings(RumahSettings):
    # where `rumah infra up` starts Kafka (the first node; a list may name every node)
    kafka_bootstrap: str = "127.0.0.1:9092"
    # KRaft controller listener (of the first node)
    kafka_controller_port: int = Field(default=9093, gt=0, lt=65536)
    # 1: one combined broker+controller; 3: a KRaft cluster of 3 combined nodes (docs/infra.md)
    kafka_nodes: int = Field(default=1, ge=1, le=5)
    # Apache Kafka release fetched from Maven Central
    kafka_version: str = "4.4.0"
    kafka_log4j_version: str | None = None  # None: the version the Kafka release declares
    # JVM heap of each Kafka node (-Xmx/-Xms); unset: 512m for one node, 384m per cluster node
    kafka_heap: str | None = None
    # PEM certificate of the local Kafka's TLS listener (KAFKA_SECURITY_PROTOCOL=SSL|SASL_SSL)
    kafka_server_certfile: FilePath | None = None
    # PEM private key (PKCS#8, unencrypted) of that certificate
    kafka_server_keyfile: FilePath | None = None
    # mutual TLS on that listener: none, requested (a client may send one) or required
    kafka_server_client_auth: Literal["none", "requested", "required"] = "requested"
    # The clients' RUMAH_KAFKA_SECURITY_PROTOCOL, RUMAH_KAFKA_SASL_… and RUMAH_KAFKA_SSL_…: the
    # local Kafka serves the listener they describe (and its probes connect with them).
    kafka_client: KafkaClientSettings = Field(
        default_factory=lambda: load_settings(KafkaClientSettings)
    )
    # where `rumah infra up` starts FerretDB
    mongo_url: str = "mongodb://127.0.0.1:27017"
    # FerretDB's storage: postgresql (run by `rumah infra`) or sqlite (files in var/ferretdb)
    ferretdb_backend: Literal["sqlite", "postgresql"] = "postgresql"
    # FerretDB log level
    ferretdb_log_level: Literal["debug", "info", "warn", "error"] = "error"
    # where `rumah infra up` starts PostgreSQL (for ferretdb_backend=postgresql), 127.0.0.1 only
    postgres_port: int = Field(default=5432, gt=0, lt=65536)
    # PostgreSQL role FerretDB logs in as
    postgres_user: str = "rumah"
    # its password; unset: generated at initdb into var/postgres/password (mode 0600)
    postgres_password: SecretStr | None = None
    # PostgreSQL's binaries; unset: the newest /usr/lib/postgresql/*/bin (installed if missing)
    postgres_bin_dir: Path | None = None
    # OS user PostgreSQL runs as when rumah infra runs as root (postgres refuses root)
    postgres_os_user: str = "postgres"
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
    def _host_ports(cls, value: str) -> str:
        entries = [e.strip() for e in value.split(",") if e.strip()]
        if not entries:
            raise ValueError("expected host:port[,host:port…]")
        for entry in entries:
            _host_port(entry, 9092)
        return ",".join(entries)

    @model_validator(mode="after")
    def _node_ports(self) -> InfraSettings:
        # Node i (1-based) listens on the first node's ports + 2(i-1): 9092/9093, 9094/9095, …
        given = self.kafka_bootstrap.split(",")
        derived = [f"{h}:{p}" for h, p, _ in self.kafka_node_ports]
        if len(given) > 1 and given != derived:
            raise ValueError(
                f"RUMAH_KAFKA_BOOTSTRAP lists {len(given)} addresses, but the "
                f"RUMAH_KAFKA_NODES={self.kafka_nodes} local node(s) listen at "
                f"{','.join(derived)}; name the first node only, or exactly those"
            )
        self._check_listener_security()
        ports = [p for _, client, controller in self.kafka_node_ports for p in (client, controller)]
        if len(set(ports)) != len(ports):
            raise ValueError(
                f"Kafka node ports collide ({ports}): RUMAH_KAFKA_CONTROLLER_PORT must differ "
                "from the bootstrap port by an odd number when RUMAH_KAFKA_NODES > 1"
            )
        return self

    def _check_listener_security(self) -> None:
        client = self.kafka_client
        protocol = client.kafka_security_protocol
        if protocol.endswith("SSL"):
            missing = [
                f"RUMAH_{name.upper()}"
                for name, value in (
                    ("kafka_server_certfile", self.kafka_server_certfile),
                    ("kafka_server_keyfile", self.kafka_server_keyfile),
                    ("kafka_ssl_cafile", client.kafka_ssl_cafile),
                )
                if value is None
            ]
            if missing:
                raise ValueError(
                    f"a local Kafka with RUMAH_KAFKA_SECURITY_PROTOCOL={protocol} needs "
                    f"{', '.join(missing)} (`rumah infra dev-certs DIR` makes a CA and a "
                    "server certificate)"
                )
        if protocol.startswith("SASL_"):
            if not client.kafka_sasl_mechanism.startswith("SCRAM-"):
                raise ValueError(
                    "a local Kafka offers SASL/SCRAM only: set RUMAH_KAFKA_SASL_MECHANISM"
                )
            assert client.kafka_sasl_password is not None
            secret = client.kafka_sasl_password.get_secret_value()
            user = client.kafka_sasl_username or ""
            for text, what in ((user, "USERNAME"), (secret, "PASSWORD")):
                if not text or any(c in _SCRAM_UNSAFE or c.isspace() for c in text):
                    raise ValueError(
                        f"a local Kafka cannot store RUMAH_KAFKA_SASL_{what}: it must not be "
                        f"empty nor contain spaces or any of {_SCRAM_UNSAFE}"
                    )

    @property
    def kafka_address(self) -> tuple[str, int]:
        """Host and client port of the first (or only) Kafka node."""
        return _host_port(self.kafka_bootstrap.split(",")[0], 9092)

    @property
    def kafka_node_ports(self) -> list[tuple[str, int, int]]:
        """(host, client port, controller port) of each local Kafka node, node 1 first."""
        host, port = self.kafka_address
        step = 2
        return [
            (host, port + step * i, self.kafka_controller_port + step * i)
            for i in range(self.kafka_nodes)
        ]

    @property
    def kafka_node_heap(self) -> str:
        return self.kafka_heap or ("512m" if self.kafka_nodes == 1 else "384m")

    @property
    def kafka_client_bootstrap(self) -> str:
        """What clients of the local Kafka use: every node's address."""
        return ",".join(f"{h}:{p}" for h, p, _ in self.kafka_node_ports)

    @property
    def keycloak_address(self) -> tuple[str, int]:
        parts = urlsplit(self.keycloak_url)
        return parts.hostname or "127.0.0.1", parts.port or 80

    @property
    def mongo_address(self) -> tuple[str, int]:
        parts = urlsplit(self.mongo_url)
        return parts.hostname or "127.0.0.1", parts.port or 27017
