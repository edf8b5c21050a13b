"""The hub's Kafka clients against a real broker with a SASL_SSL listener (SCRAM-SHA-512,
mutual TLS required), as a managed Kafka would be: the certificates are generated here, the
broker is started by ``rumah infra`` in its own directory and ports, and every refusal
(wrong password, untrusted certificate, wrong host name, wrong protocol, untrusted client
certificate) comes back as a bounded ``LogUnavailable`` that says what to fix and never
shows the password.
"""

from __future__ import annotations

import logging
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from infra.tls import DevCertificates, issue_client_certificate, make_dev_certificates
from rumah.common.kafka_client import KafkaClientSettings
from services.kit.eventlog.kafka import KafkaEventLog
from services.kit.ports import EARLIEST, LogUnavailable

pytestmark = pytest.mark.integration

USER = "rumah-licensing"
PASSWORD = "Sandi-Uji-9f3b"  # a test secret; the assertions look for it in messages and logs
KEY_PASSWORD = "kunci-klien-77"


def _free_ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@dataclass(frozen=True)
class SecureKafka:
    bootstrap: str
    certs: DevCertificates
    client_cert: tuple[Path, Path]  # signed by the broker's CA, key encrypted
    directory: Path

    def settings(self, **overrides: Any) -> KafkaClientSettings:
        values: dict[str, Any] = {
            "kafka_security_protocol": "SASL_SSL",
            "kafka_sasl_mechanism": "SCRAM-SHA-512",
            "kafka_sasl_username": USER,
            "kafka_sasl_password": SecretStr(PASSWORD),
            "kafka_ssl_cafile": self.certs.ca,
            "kafka_ssl_certfile": self.client_cert[0],
            "kafka_ssl_keyfile": self.client_cert[1],
            "kafka_ssl_key_password": SecretStr(KEY_PASSWORD),
        }
        return KafkaClientSettings(**{**values, **overrides})


def _infra(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rumah.cli", "infra", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


@pytest.fixture(scope="module")
def secure_kafka(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SecureKafka]:
    """One broker whose only client listener is SASL_SSL, started with `rumah infra` from
    environment variables as an operator would (own var dir and free ports)."""
    directory = tmp_path_factory.mktemp("kafka-secure")
    certs = make_dev_certificates(directory / "tls", hosts=("127.0.0.1",))
    client_cert = issue_client_certificate(
        certs, directory / "tls", "licensing", key_password=KEY_PASSWORD
    )
    port, controller = _free_ports(2)
    env = {
        key: value
        for key, value in os.environ.items()
        if not (key.startswith("RUMAH_KAFKA_") or key == "RUMAH_VAR_DIR")
    }
    env.update(
        {
            "RUMAH_VAR_DIR": str(directory / "var"),
            "RUMAH_KAFKA_NODES": "1",
            "RUMAH_KAFKA_BOOTSTRAP": f"127.0.0.1:{port}",
            "RUMAH_KAFKA_CONTROLLER_PORT": str(controller),
            "RUMAH_KAFKA_HEAP": "256m",
            "RUMAH_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
            "RUMAH_KAFKA_SASL_MECHANISM": "SCRAM-SHA-512",
            "RUMAH_KAFKA_SASL_USERNAME": USER,
            "RUMAH_KAFKA_SASL_PASSWORD": PASSWORD,
            "RUMAH_KAFKA_SSL_CAFILE": str(certs.ca),
            "RUMAH_KAFKA_SSL_CERTFILE": str(client_cert[0]),
            "RUMAH_KAFKA_SSL_KEYFILE": str(client_cert[1]),
            "RUMAH_KAFKA_SSL_KEY_PASSWORD": KEY_PASSWORD,
            "RUMAH_KAFKA_SERVER_CERTFILE": str(certs.server_cert),
            "RUMAH_KAFKA_SERVER_KEYFILE": str(certs.server_key),
            "RUMAH_KAFKA_SERVER_CLIENT_AUTH": "required",
        }
    )
    started = _infra(env, "start", "kafka")
    try:
        assert started.returncode == 0, started.stdout + started.stderr
        assert PASSWORD not in started.stdout + started.stderr
        yield SecureKafka(f"127.0.0.1:{port}", certs, client_cert, directory)
    finally:
        stopped = _infra(env, "down")
        assert stopped.returncode == 0, stopped.stdout + stopped.stderr


async def _refusal(bootstrap: str, settings: KafkaClientSettings) -> tuple[str, float]:
    """Publish once; return the LogUnavailable message and how long the refusal took."""
    log = KafkaEventLog(bootstrap, client=settings, connect_timeout_s=3.0, op_timeout_s=8.0)
    started = time.monotonic()
    try:
        with pytest.raises(LogUnavailable) as refused:
            await log.publish("rumah.secure.refused", "k", b"v")
    finally:
        await log.stop()
    return str(refused.value), time.monotonic() - started


async def test_the_hub_adapter_creates_publishes_and_consumes_over_sasl_ssl(
    secure_kafka: SecureKafka,
) -> None:
    topic = f"rumah.secure.{uuid.uuid4().hex[:10]}"
    log = KafkaEventLog(secure_kafka.bootstrap, client=secure_kafka.settings())
    await log.start()
    try:
        await log.ensure_topic(topic, 2)
        await log.publish_many(topic, [(f"permit-{i}", f"v{i}".encode()) for i in range(10)])
        got: list[bytes] = []
        async with log.subscribe([topic], group=f"g-{topic}", start=EARLIEST) as sub:
            for _ in range(30):
                records = await sub.poll(timeout_s=1.0)
                got += [r.value for r in records]
                await sub.commit(records)
                if len(got) >= 10:
                    break
        assert sorted(got) == sorted(f"v{i}".encode() for i in range(10))
        await log.ping()
    finally:
        await log.stop()


async def test_a_wrong_password_is_refused_quickly_with_a_clear_message(
    secure_kafka: SecureKafka, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    message, took = await _refusal(
        secure_kafka.bootstrap, secure_kafka.settings(kafka_sasl_password=SecretStr("salah-1"))
    )
    assert "authentication refused (SASL_SSL, SCRAM-SHA-512 as 'rumah-licensing')" in message
    assert "RUMAH_KAFKA_SASL_PASSWORD" in message
    assert took < 30  # bounded by the connect and operation timeouts, never a hang
    everything = message + "\n".join(r.getMessage() for r in caplog.records)
    assert "salah-1" not in everything and PASSWORD not in everything


async def test_an_untrusted_broker_certificate_is_refused(
    secure_kafka: SecureKafka, tmp_path: Path
) -> None:
    stranger = make_dev_certificates(tmp_path / "other-ca")
    message, took = await _refusal(
        secure_kafka.bootstrap, secure_kafka.settings(kafka_ssl_cafile=stranger.ca)
    )
    assert "TLS certificate is not trusted" in message
    assert "RUMAH_KAFKA_SSL_CAFILE" in message
    assert took < 30


async def test_the_certificate_must_name_the_host_unless_the_check_is_off(
    secure_kafka: SecureKafka,
) -> None:
    # The broker's certificate names 127.0.0.1 only; "localhost" is the same machine.
    by_name = secure_kafka.bootstrap.replace("127.0.0.1", "localhost")
    message, _ = await _refusal(by_name, secure_kafka.settings())
    assert "not trusted" in message and "RUMAH_KAFKA_SSL_CHECK_HOSTNAME" in message

    log = KafkaEventLog(by_name, client=secure_kafka.settings(kafka_ssl_check_hostname=False))
    try:
        await log.publish(f"rumah.secure.{uuid.uuid4().hex[:10]}", "k", b"v")
    finally:
        await log.stop()


async def test_a_client_without_tls_is_told_the_protocol_differs(
    secure_kafka: SecureKafka,
) -> None:
    plaintext = KafkaClientSettings(kafka_security_protocol="PLAINTEXT")
    message, took = await _refusal(secure_kafka.bootstrap, plaintext)
    assert "closed the connection" in message and "RUMAH_KAFKA_SECURITY_PROTOCOL" in message
    assert took < 30


async def test_mutual_tls_refuses_a_client_certificate_from_another_ca(
    secure_kafka: SecureKafka, tmp_path: Path
) -> None:
    stranger = make_dev_certificates(tmp_path / "other-ca")
    cert, key = issue_client_certificate(stranger, tmp_path, "intruder")
    foreign = secure_kafka.settings(
        kafka_ssl_certfile=cert, kafka_ssl_keyfile=key, kafka_ssl_key_password=None
    )
    message, took = await _refusal(secure_kafka.bootstrap, foreign)
    assert "client certificate" in message and "RUMAH_KAFKA_SSL_CERTFILE" in message
    assert took < 30
