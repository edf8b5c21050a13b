"""A local Kafka serves the listener the clients' settings describe: SASL_SSL needs a server
certificate, SCRAM credentials the broker can store, and gets the right broker keys."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr, ValidationError

from infra.kafka_engine import kafka_nodes, scram_option, server_properties
from infra.settings import InfraSettings
from infra.tls import DevCertificates, make_dev_certificates
from rumah.common.kafka_client import KafkaClientSettings


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> DevCertificates:
    return make_dev_certificates(tmp_path_factory.mktemp("certs"))


def _client(certs: DevCertificates, password: str = "Rahasia-123") -> KafkaClientSettings:
    return KafkaClientSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="rumah",
        kafka_sasl_password=SecretStr(password),
        kafka_ssl_cafile=certs.ca,
    )


def _infra(tmp_path: Path, client: KafkaClientSettings, **values: object) -> InfraSettings:
    return InfraSettings(
        var_dir=tmp_path,
        kafka_bootstrap="127.0.0.1:9092",
        kafka_controller_port=9093,
        kafka_client=client,
        **values,  # type: ignore[arg-type]
    )


def test_a_tls_listener_needs_the_server_certificate_and_key(
    certs: DevCertificates, tmp_path: Path
) -> None:
    needs = "RUMAH_KAFKA_SERVER_CERTFILE, RUMAH_KAFKA_SERVER_KEYFILE"
    with pytest.raises(ValidationError, match=needs):
        _infra(tmp_path, _client(certs))


def test_sasl_ssl_nodes_get_a_pem_keystore_scram_and_mutual_tls_on_the_listener(
    certs: DevCertificates, tmp_path: Path
) -> None:
    s = _infra(
        tmp_path,
        _client(certs),
        kafka_nodes=3,
        kafka_server_certfile=certs.server_cert,
        kafka_server_keyfile=certs.server_key,
        kafka_server_client_auth="required",
    )
    nodes = kafka_nodes(s)
    text = server_properties(s, nodes[0], nodes)
    props = dict(line.split("=", 1) for line in text.splitlines() if not line.startswith("#"))
    assert props["listeners"] == "SASL_SSL://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093"
    assert props["inter.broker.listener.name"] == "SASL_SSL"
    assert props["listener.security.protocol.map"] == "CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL"
    assert props["ssl.keystore.type"] == props["ssl.truststore.type"] == "PEM"
    assert props["ssl.truststore.location"] == str(certs.ca)
    assert props["listener.name.sasl_ssl.ssl.client.auth"] == "required"
    assert props["sasl.enabled.mechanisms"] == "SCRAM-SHA-512"
    assert (
        'username="rumah" password="Rahasia-123";'
        in (props["listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config"])
    )
    assert scram_option(s.kafka_client) == [
        "--add-scram",
        "SCRAM-SHA-512=[name=rumah,password=Rahasia-123]",
    ]


@pytest.mark.parametrize("password", ["has space", 'quote"d', "comma,ed", "br]acket"])
def test_a_password_the_broker_cannot_store_is_refused_up_front(
    certs: DevCertificates, tmp_path: Path, password: str
) -> None:
    with pytest.raises(ValidationError, match="cannot store RUMAH_KAFKA_SASL_PASSWORD") as e:
        _infra(
            tmp_path,
            _client(certs, password),
            kafka_server_certfile=certs.server_cert,
            kafka_server_keyfile=certs.server_key,
        )
    assert password not in str(e.value).split("cannot store")[1]


def test_plaintext_stays_the_default_listener(tmp_path: Path) -> None:
    s = _infra(tmp_path, KafkaClientSettings())
    [node] = kafka_nodes(s)
    assert "PLAINTEXT://127.0.0.1:9092" in server_properties(s, node, [node])
    assert "ssl." not in server_properties(s, node, [node])
