"""Apache Kafka in KRaft mode: one combined broker + controller node on the local machine."""

from __future__ import annotations

import asyncio
import base64
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from infra.errors import EngineError
from infra.kafka_build import ensure_kafka
from infra.settings import InfraSettings
from infra.tools import java_major_version, require_tool, run_tool

LOG4J_CONFIG = Path(__file__).resolve().parent / "kafka" / "log4j2.properties"
HEALTH_TOPIC = "rumah-infra-health"
_VERSION_LINE = re.compile(rb"Kafka version: (\S+)")
_MIN_JAVA = 17  # Kafka 4.x brokers require Java 17 (KIP-1013); its classes are built for 17


@dataclass(frozen=True, slots=True)
class KafkaPaths:
    home: Path  # var/kafka: server.properties + data/
    logs: Path  # var/log/kafka: server.log, appinfo.log, stdout.log

    @classmethod
    def of(cls, settings: InfraSettings) -> KafkaPaths:
        return cls(settings.var_dir / "kafka", settings.var_dir / "log" / "kafka")

    @property
    def config(self) -> Path:
        return self.home / "server.properties"

    @property
    def data(self) -> Path:
        return self.home / "data"


def server_properties(settings: InfraSettings, data_dir: Path) -> str:
    host, port = settings.kafka_address
    controller = f"{host}:{settings.kafka_controller_port}"
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": controller,
        "listeners": f"PLAINTEXT://{host}:{port},CONTROLLER://{controller}",
        "advertised.listeners": f"PLAINTEXT://{host}:{port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        "num.partitions": "1",
        # A single node can hold one replica of the internal topics, no more.
        "offsets.topic.replication.factor": "1",
        # Fewer partitions of the internal topics than the default 50: one node, faster
        # start-up and first group join; the semantics are the same.
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.num.partitions": "5",
        "share.coordinator.state.topic.num.partitions": "5",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        # Tests and services join groups constantly; waiting 3 s per first join is waste.
        "group.initial.rebalance.delay.ms": "0",
        "auto.create.topics.enable": "true",
    }
    lines = ["# Written by `rumah infra up` (infra/kafka_engine.py); edits are overwritten."]
    lines += [f"{key}={value}" for key, value in props.items()]
    return "\n".join(lines) + "\n"


def _cluster_id() -> str:
    # Kafka's Uuid text form: URL-safe base64 of 16 random bytes, no padding, not "-"-led.
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _jvm_args(settings: InfraSettings, paths: KafkaPaths, libs: Path) -> list[str]:
    return [
        f"-Xms{settings.kafka_heap}",
        f"-Xmx{settings.kafka_heap}",
        "-XX:+UseG1GC",
        "-XX:MaxGCPauseMillis=20",
        "-Djava.awt.headless=true",
        f"-XX:ErrorFile={paths.logs}/hs_err_pid%p.log",
        f"-Dkafka.logs.dir={paths.logs}",
        f"-Dlog4j2.configurationFile={LOG4J_CONFIG}",
        "-cp",
        f"{libs}/*",
    ]


async def prepare_kafka(settings: InfraSettings) -> list[str]:
    """Resolve, configure and (first time only) format Kafka; return the broker's argv."""
    java = require_tool("kafka", settings.java, "running the Kafka broker")
    major = await java_major_version(java)
    if major < _MIN_JAVA:
        raise EngineError("kafka", f"Kafka 4.x needs Java {_MIN_JAVA}+, `{java}` is {major}")
    libs = await ensure_kafka(settings)
    paths = KafkaPaths.of(settings)
    paths.data.mkdir(parents=True, exist_ok=True)
    paths.logs.mkdir(parents=True, exist_ok=True)
    paths.config.write_text(server_properties(settings, paths.data))
    base = [java, *_jvm_args(settings, paths, libs)]
    if not (paths.data / "meta.properties").exists():
        await run_tool(
            "kafka",
            [
                *base,
                "kafka.tools.StorageTool",
                "format",
                "--standalone",
                "--cluster-id",
                _cluster_id(),
                "--config",
                str(paths.config),
            ],
        )
    return [*base, "kafka.Kafka", str(paths.config)]


def kafka_version_from_log(paths: KafkaPaths, since: int) -> str | None:
    """The version the running broker logged at start-up (its AppInfoParser line)."""
    log = paths.logs / "appinfo.log"
    try:
        with log.open("rb") as f:
            f.seek(since if since <= log.stat().st_size else 0)
            found = _VERSION_LINE.findall(f.read())
    except FileNotFoundError:
        return None
    return found[-1].decode() if found else None


async def probe_kafka(bootstrap: str, timeout_s: float = 10.0) -> None:
    """Produce one record and read it back (plus a group commit); raise if Kafka can't."""
    from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

    token = uuid.uuid4().hex.encode()
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=int(timeout_s * 1000),
    )
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id="rumah-infra-health",
        enable_auto_commit=False,
        request_timeout_ms=int(timeout_s * 1000),
    )
    async with asyncio.timeout(timeout_s):
        try:
            await producer.start()
            meta = await producer.send_and_wait(HEALTH_TOPIC, token)
            await consumer.start()
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
