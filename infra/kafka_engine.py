"""Apache Kafka in KRaft mode on the local machine: one node, or a cluster of three.

Every node is a combined broker + controller (``process.roles=broker,controller``). The
single node (``RUMAH_KAFKA_NODES=1``, the default) formats itself as a one-voter quorum; the
cluster (``RUMAH_KAFKA_NODES=3``) has a static quorum of its three nodes, replication factor 3
and ``min.insync.replicas=2`` for every topic that does not say otherwise. See docs/infra.md.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import re
import secrets
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from infra.errors import EngineError
from infra.kafka_build import ensure_kafka
from infra.settings import InfraSettings
from infra.tools import java_major_version, require_tool, run_tool
from rumah.common.kafka_client import KafkaClientSettings, explain_connect_failure

LOG4J_CONFIG = Path(__file__).resolve().parent / "kafka" / "log4j2.properties"
HEALTH_TOPIC = "rumah-infra-health"
_VERSION_LINE = re.compile(rb"Kafka version: (\S+)")
_MIN_JAVA = 17  # Kafka 4.x brokers require Java 17 (KIP-1013); its classes are built for 17


@dataclass(frozen=True, slots=True)
class KafkaNode:
    """One local Kafka process: its id, name, ports and directories."""

    node_id: int
    name: str  # "kafka" (the single node) or "kafka-<node id>" (a cluster node)
    host: str
    port: int
    controller_port: int
    home: Path  # server.properties + data/
    logs: Path  # server.log, appinfo.log, stdout.log

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def controller_address(self) -> str:
        return f"{self.host}:{self.controller_port}"

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def keystore(self) -> Path:
        """The TLS listener's key and certificate chain, one PEM file (mode 0600)."""
        return self.home / "tls" / "keystore.pem"

    @property
    def scram_stamp(self) -> Path:
        """Which SCRAM user the node was formatted with (a salted hash, not the password)."""
        return self.home / "scram.json"


def kafka_nodes(settings: InfraSettings) -> list[KafkaNode]:
    """The nodes ``settings`` describe: ``var/kafka`` alone, or ``var/kafka-1`` … ``-3``."""
    var = settings.var_dir
    if settings.kafka_nodes == 1:
        host, port, controller = settings.kafka_node_ports[0]
        return [KafkaNode(1, "kafka", host, port, controller, var / "kafka", var / "log" / "kafka")]
    return [
        KafkaNode(
            i, f"kafka-{i}", host, port, controller, var / f"kafka-{i}", var / "log" / f"kafka-{i}"
        )
        for i, (host, port, controller) in enumerate(settings.kafka_node_ports, start=1)
    ]


def server_properties(settings: InfraSettings, node: KafkaNode, nodes: list[KafkaNode]) -> str:
    cluster = len(nodes) > 1
    replicas = str(min(3, len(nodes)))
    min_isr = "2" if len(nodes) >= 3 else "1"
    # Clients (and the nodes among themselves) use the protocol the clients' settings name;
    # the KRaft controller listener stays plaintext on the loopback address.
    client = settings.kafka_client
    protocol = client.kafka_security_protocol
    props = {
        "process.roles": "broker,controller",
        "node.id": str(node.node_id),
        "listeners": f"{protocol}://{node.address},CONTROLLER://{node.controller_address}",
        "advertised.listeners": f"{protocol}://{node.address}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": protocol,
        "listener.security.protocol.map": f"CONTROLLER:PLAINTEXT,{protocol}:{protocol}",
        "log.dirs": str(node.data),
        "num.partitions": "1",
        # Topics created without a replication factor (auto-created ones, and those the
        # hub's clients create without RUMAH_KAFKA_REPLICATION_FACTOR) get every node up to
        # three; with three replicas an acks=all write needs two of them (one may be down).
        "default.replication.factor": replicas,
        "min.insync.replicas": min_isr,
        "offsets.topic.replication.factor": replicas,
        "transaction.state.log.replication.factor": replicas,
        "transaction.state.log.min.isr": min_isr,
        "share.coordinator.state.topic.replication.factor": replicas,
        "share.coordinator.state.topic.min.isr": min_isr,
        # Fewer partitions of the internal topics than the default 50: faster start-up and
        # first group join on one machine; the semantics are the same.
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.num.partitions": "5",
        "share.coordinator.state.topic.num.partitions": "5",
        # Tests and services join groups constantly; waiting 3 s per first join is waste.
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
    }
    if cluster:
        # A static quorum of the three nodes: any two elect the active controller.
        voters = ",".join(f"{n.node_id}@{n.controller_address}" for n in nodes)
        props["controller.quorum.voters"] = voters
        # Three JVMs share this machine's cores: fewer threads each than a dedicated broker.
        props["num.network.threads"] = "2"
        props["num.io.threads"] = "4"
        props["num.replica.fetchers"] = "1"
    else:
        props["controller.quorum.bootstrap.servers"] = node.controller_address
    if protocol.endswith("SSL"):
        props.update(
            {
                "ssl.keystore.type": "PEM",
                "ssl.keystore.location": str(node.keystore),
                "ssl.truststore.type": "PEM",
                "ssl.truststore.location": str(client.kafka_ssl_cafile),
                # Listener-prefixed: a SASL_SSL listener ignores the plain key (KIP-684).
                f"listener.name.{protocol.lower()}.ssl.client.auth": (
                    settings.kafka_server_client_auth
                ),
                "ssl.endpoint.identification.algorithm": "https",
            }
        )
    if protocol.startswith("SASL_"):
        mechanism = client.kafka_sasl_mechanism
        assert client.kafka_sasl_password is not None  # required by the settings
        password = client.kafka_sasl_password.get_secret_value()
        props.update(
            {
                "sasl.enabled.mechanisms": mechanism,
                "sasl.mechanism.inter.broker.protocol": mechanism,
                # The nodes authenticate to each other as the configured user.
                f"listener.name.{protocol.lower()}.{mechanism.lower()}.sasl.jaas.config": (
                    "org.apache.kafka.common.security.scram.ScramLoginModule required "
                    f'username="{client.kafka_sasl_username}" password="{password}";'
                ),
            }
        )
    lines = ["# Written by `rumah infra up` (infra/kafka_engine.py); edits are overwritten."]
    lines += [f"{key}={value}" for key, value in props.items()]
    return "\n".join(lines) + "\n"


def new_cluster_id() -> str:
    # Kafka's Uuid text form: URL-safe base64 of 16 random bytes, no padding, not "-"-led.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def formatted_cluster_id(node: KafkaNode) -> str | None:
    """The cluster id a node's data dir was formatted with (None: not formatted)."""
    try:
        text = (node.data / "meta.properties").read_text()
    except FileNotFoundError:
        return None
    found = re.search(r"^cluster\.id=(\S+)$", text, re.MULTILINE)
    return found.group(1) if found else None


class KafkaSetup:
    """What the nodes of one topology share at start: the Java check, the broker's jars and
    the cluster id. Nodes start concurrently; this makes those steps happen once."""

    def __init__(self, settings: InfraSettings) -> None:
        self.settings = settings
        self.nodes = kafka_nodes(settings)
        self._lock = asyncio.Lock()
        self._runtime: tuple[str, Path] | None = None
        self._cluster_id: str | None = None

    async def runtime(self) -> tuple[str, Path]:
        """(java executable, directory of the broker jars), resolved on first use."""
        async with self._lock:
            if self._runtime is None:
                java = require_tool("kafka", self.settings.java, "running the Kafka broker")
                major = await java_major_version(java)
                if major < _MIN_JAVA:
                    raise EngineError(
                        "kafka", f"Kafka 4.x needs Java {_MIN_JAVA}+, `{java}` is {major}"
                    )
                self._runtime = (java, await ensure_kafka(self.settings))
            return self._runtime

    def cluster_id(self) -> str:
        """The id the formatted nodes carry (a new one if none is formatted yet)."""
        found = {i for n in self.nodes if (i := formatted_cluster_id(n)) is not None}
        if len(found) > 1:
            raise EngineError(
                "kafka",
                f"the nodes' data dirs belong to different clusters ({sorted(found)}); "
                "`rumah infra down` and remove " + " ".join(str(n.home) for n in self.nodes),
            )
        if found:
            return found.pop()
        if self._cluster_id is None:
            self._cluster_id = new_cluster_id()
        return self._cluster_id

    def jvm_args(self, node: KafkaNode, libs: Path) -> list[str]:
        heap = self.settings.kafka_node_heap
        return [
            f"-Xms{heap}",
            f"-Xmx{heap}",
            "-XX:+UseG1GC",
            "-XX:MaxGCPauseMillis=20",
            "-Djava.awt.headless=true",
            f"-XX:ErrorFile={node.logs}/hs_err_pid%p.log",
            f"-Dkafka.logs.dir={node.logs}",
            f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
            "-cp",
            f"{libs}/*",
        ]

    async def prepare(self, node: KafkaNode) -> list[str]:
        """Resolve, configure and (first time only) format ``node``; return its argv."""
        java, libs = await self.runtime()
        node.data.mkdir(parents=True, exist_ok=True)
        node.logs.mkdir(parents=True, exist_ok=True)
        # server.properties may hold the SCRAM password of the nodes' own login: owner only.
        _write_private(node.config, server_properties(self.settings, node, self.nodes))
        client = self.settings.kafka_client
        if client.kafka_security_protocol.endswith("SSL"):
            write_keystore(self.settings, node)
        base = [java, *self.jvm_args(node, libs)]
        if formatted_cluster_id(node) is None:
            # One node: a dynamic quorum of itself (--standalone). A cluster: the static
            # quorum in server.properties, every node formatted with the same cluster id.
            quorum = ["--standalone"] if len(self.nodes) == 1 else []
            cluster_id = self.cluster_id()
            await run_tool(
                node.name,
                [
                    *base,
                    "kafka.tools.StorageTool",
                    "format",
                    *quorum,
                    *scram_option(client),
                    "--cluster-id",
                    cluster_id,
                    "--config",
                    str(node.config),
                ],
            )
            node.scram_stamp.unlink(missing_ok=True)
            if client.kafka_security_protocol.startswith("SASL_"):
                _write_private(node.scram_stamp, json.dumps(scram_stamp(client)))
        check_scram_user(node, client)
        return [*base, "kafka.Kafka", str(node.config)]


def _write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=True)
    path.chmod(0o600)
    path.write_text(text)


def write_keystore(settings: InfraSettings, node: KafkaNode) -> None:
    """The broker's PEM keystore: the private key, then the certificate (chain)."""
    assert settings.kafka_server_keyfile and settings.kafka_server_certfile  # settings check
    key = settings.kafka_server_keyfile.read_text()
    if "ENCRYPTED" in key or "BEGIN PRIVATE KEY" not in key:
        raise EngineError(
            node.name,
            f"{settings.kafka_server_keyfile} must be an unencrypted PKCS#8 key "
            "(-----BEGIN PRIVATE KEY-----); convert it with `openssl pkcs8 -topk8 -nocrypt`",
        )
    chain = settings.kafka_server_certfile.read_text()
    _write_private(node.keystore, key.rstrip() + "\n" + chain.rstrip() + "\n")


def scram_option(client: KafkaClientSettings) -> list[str]:
    """``--add-scram`` for the format step: the user every client and node logs in as."""
    if not client.kafka_security_protocol.startswith("SASL_"):
        return []
    assert client.kafka_sasl_password is not None
    password = client.kafka_sasl_password.get_secret_value()
    user = client.kafka_sasl_username
    return ["--add-scram", f"{client.kafka_sasl_mechanism}=[name={user},password={password}]"]


def scram_stamp(client: KafkaClientSettings, salt: str | None = None) -> dict[str, str]:
    assert client.kafka_sasl_password is not None
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256((salt + client.kafka_sasl_password.get_secret_value()).encode())
    return {
        "mechanism": client.kafka_sasl_mechanism,
        "user": client.kafka_sasl_username or "",
        "salt": salt,
        "sha256": digest.hexdigest(),
    }


def check_scram_user(node: KafkaNode, client: KafkaClientSettings) -> None:
    """SCRAM users are written when a node is formatted; refuse settings that differ."""
    if not client.kafka_security_protocol.startswith("SASL_"):
        return
    try:
        stamp = json.loads(node.scram_stamp.read_text())
    except (FileNotFoundError, ValueError):
        stamp = None
    if stamp is None or stamp != scram_stamp(client, stamp.get("salt")):
        raise EngineError(
            node.name,
            f"{node.data} was formatted without this SCRAM user (mechanism, name or password "
            "changed since); SCRAM users are created when a node is formatted: "
            f"`rumah infra down` and remove {node.home} to format it again",
        )


def kafka_version_from_log(node: KafkaNode, since: int) -> str | None:
    """The version the running node logged at start-up (its AppInfoParser line)."""
    log = node.logs / "appinfo.log"
    try:
        with log.open("rb") as f:
            f.seek(since if since <= log.stat().st_size else 0)
            found = _VERSION_LINE.findall(f.read())
    except FileNotFoundError:
        return None
    return found[-1].decode() if found else None


def quorum_state(node: KafkaNode) -> tuple[int, int] | None:
    """(leader epoch, leader node id) as this node last recorded it, if it knows a leader.

    KRaft keeps ``quorum-state`` (JSON) in the metadata log's directory and rewrites it on
    every election it takes part in; the newest epoch among the nodes names the active
    controller.
    """
    try:
        state = json.loads((node.data / "__cluster_metadata-0" / "quorum-state").read_text())
    except (FileNotFoundError, ValueError):
        return None
    leader = state.get("leaderId", -1)
    return (int(state.get("leaderEpoch", -1)), int(leader)) if leader >= 0 else None


async def start_client(client: Any, timeout_s: float) -> None:
    """Start an aiokafka client within ``timeout_s`` without ever cancelling its start (a
    cancelled start leaves its bootstrap connection open): past the deadline, wait for the
    start to end (its ``request_timeout_ms`` bounds that), then fail."""
    task = asyncio.ensure_future(client.start())
    done, _ = await asyncio.wait({task}, timeout=timeout_s)
    if not done:
        await asyncio.wait({task})
        if task.exception() is None:
            raise TimeoutError(f"connected only after more than {timeout_s:.1f}s")
    task.result()


async def probe_kafka(
    bootstrap: str, timeout_s: float = 10.0, client: KafkaClientSettings | None = None
) -> None:
    """Produce one record and read it back (plus a group commit); raise if Kafka can't."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
    from aiokafka.errors import KafkaConnectionError

    client = client or KafkaClientSettings()
    options = client.client_options()

    token = uuid.uuid4().hex.encode()
    ms = int(timeout_s * 1000)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=ms,
        **options,
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id="rumah-infra-health",
        enable_auto_commit=False,
        request_timeout_ms=ms,
        **options,
    )
    deadline = asyncio.get_running_loop().time() + timeout_s
    try:
        try:
            await start_client(producer, timeout_s)
        except KafkaConnectionError as exc:  # say why: a refused login, an untrusted certificate
            why = await explain_connect_failure(bootstrap, client, min(5.0, timeout_s))
            raise EngineError("kafka", why or str(exc)) from exc
        await start_client(consumer, max(1.0, deadline - asyncio.get_running_loop().time()))
        async with asyncio.timeout_at(deadline):
            meta = await producer.send_and_wait(HEALTH_TOPIC, token)
            tp = TopicPartition(HEALTH_TOPIC, meta.partition)
            consumer.assign([tp])
            consumer.seek(tp, meta.offset)
            record = await consumer.getone(tp)
            if record.value != token:
                raise EngineError("kafka", f"read back {record.value!r}, expected {token!r}")
            # Committing makes the broker create __consumer_offsets now, not in the first test.
            await consumer.commit({tp: record.offset + 1})
    finally:
        await consumer.stop()
        await producer.stop()


async def registered_brokers(
    bootstrap: str, timeout_s: float = 10.0, client: KafkaClientSettings | None = None
) -> set[int]:
    """Ids of the brokers the cluster's metadata lists (registered and not fenced)."""
    from aiokafka.admin import AIOKafkaAdminClient

    options = (client or KafkaClientSettings()).client_options()
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000), **options
    )
    try:
        await start_client(admin, timeout_s)
        async with asyncio.timeout(timeout_s):
            described = await admin.describe_cluster()
    finally:
        await admin.close()
    return {int(b["node_id"]) for b in described["brokers"]}


async def probe_kafka_node(
    node: KafkaNode, bootstrap: str, timeout_s: float, client: KafkaClientSettings | None = None
) -> None:
    """A cluster node accepts work: it is a registered broker, and the cluster (reached
    through every node) takes an ``acks=all`` write and gives it back."""
    started = asyncio.get_running_loop().time()
    brokers = await registered_brokers(node.address, timeout_s, client)
    if node.node_id not in brokers:
        raise EngineError(node.name, f"not a registered broker yet (brokers: {sorted(brokers)})")
    left = max(1.0, timeout_s - (asyncio.get_running_loop().time() - started))
    await probe_kafka(bootstrap, left, client)
