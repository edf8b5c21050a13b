"""Kafka client security settings: inconsistent ones stop start-up with a line naming the
variables, secrets never show, and the aiokafka options carry what was asked for."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError

from infra.tls import DevCertificates, issue_client_certificate, make_dev_certificates
from rumah.common.kafka_client import KafkaClientSettings
from rumah.common.settings import SettingsError, load_settings
from services.kit.backends import BackendSettings

PASSWORD = "k4t4-sandi-rahasia"


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> DevCertificates:
    return make_dev_certificates(tmp_path_factory.mktemp("certs"))


@pytest.fixture(autouse=True)
def _no_kafka_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "SECURITY_PROTOCOL",
        "SASL_MECHANISM",
        "SASL_USERNAME",
        "SASL_PASSWORD",
        "SSL_CAFILE",
        "SSL_CERTFILE",
        "SSL_KEYFILE",
        "SSL_KEY_PASSWORD",
    ):
        monkeypatch.delenv(f"RUMAH_KAFKA_{name}", raising=False)


def test_sasl_ssl_gives_aiokafka_a_verifying_context_and_scram_credentials(
    certs: DevCertificates,
) -> None:
    settings = KafkaClientSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="rumah-licensing",
        kafka_sasl_password=SecretStr(PASSWORD),
        kafka_ssl_cafile=certs.ca,
    )
    options = settings.client_options()
    context = options.pop("ssl_context")
    assert options == {
        "security_protocol": "SASL_SSL",
        "sasl_mechanism": "SCRAM-SHA-512",
        "sasl_plain_username": "rumah-licensing",
        "sasl_plain_password": PASSWORD,
    }
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2


def test_plaintext_is_the_local_default_and_passes_no_tls_or_sasl() -> None:
    assert KafkaClientSettings().client_options() == {"security_protocol": "PLAINTEXT"}


def test_the_password_never_shows_in_settings_output(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RUMAH_KAFKA_SECURITY_PROTOCOL", "SASL_PLAINTEXT")
    monkeypatch.setenv("RUMAH_KAFKA_SASL_USERNAME", "rumah")
    monkeypatch.setenv("RUMAH_KAFKA_SASL_PASSWORD", PASSWORD)
    settings = load_settings(BackendSettings)
    for text in (
        repr(settings),
        str(settings),
        settings.model_dump_json(),
        settings.describe_security(),
    ):
        assert PASSWORD not in text
    assert settings.describe_security() == "SASL_PLAINTEXT, SCRAM-SHA-512 as 'rumah'"


def test_sasl_without_credentials_stops_start_up_naming_the_variables(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RUMAH_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("RUMAH_KAFKA_SASL_PASSWORD", PASSWORD)
    with pytest.raises(SettingsError):
        load_settings(BackendSettings)
    line = capsys.readouterr().err.strip()
    assert line == (
        "invalid setting: RUMAH_KAFKA_SECURITY_PROTOCOL=SASL_SSL needs "
        "RUMAH_KAFKA_SASL_USERNAME and RUMAH_KAFKA_SASL_PASSWORD"
    )
    assert PASSWORD not in line


def test_a_clear_text_password_is_refused() -> None:
    with pytest.raises(ValidationError, match="PLAIN would send the password in the clear"):
        KafkaClientSettings(
            kafka_security_protocol="SASL_PLAINTEXT",
            kafka_sasl_mechanism="PLAIN",
            kafka_sasl_username="u",
            kafka_sasl_password=SecretStr(PASSWORD),
        )


def test_tls_files_without_a_tls_protocol_are_refused(certs: DevCertificates) -> None:
    with pytest.raises(ValidationError, match="RUMAH_KAFKA_SSL_CAFILE set, but .*=PLAINTEXT"):
        KafkaClientSettings(kafka_ssl_cafile=certs.ca)


def test_a_missing_ca_file_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="kafka_ssl_cafile"):
        KafkaClientSettings(kafka_security_protocol="SSL", kafka_ssl_cafile=tmp_path / "no.pem")


def test_an_encrypted_client_key_needs_its_password(certs: DevCertificates, tmp_path: Path) -> None:
    cert, key = issue_client_certificate(certs, tmp_path, "svc", key_password=PASSWORD)
    mtls: dict[str, Any] = {
        "kafka_security_protocol": "SSL",
        "kafka_ssl_cafile": certs.ca,
        "kafka_ssl_certfile": cert,
        "kafka_ssl_keyfile": key,
    }
    assert KafkaClientSettings(**mtls, kafka_ssl_key_password=SecretStr(PASSWORD)).ssl_context()
    with pytest.raises(ValidationError, match="cannot be loaded") as refused:
        KafkaClientSettings(**mtls, kafka_ssl_key_password=SecretStr("wrong-password"))
    assert "wrong-password" not in str(refused.value)
