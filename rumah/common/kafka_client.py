"""How the hub's Kafka clients reach a cluster: security (TLS, SASL/SCRAM) and replication.

``KafkaClientSettings`` holds the variables every Kafka client of the hub shares (services,
ledger, tools); ``BackendSettings`` inherits them, so they are plain ``RUMAH_KAFKA_…``
variables. ``client_options()`` turns them into the keyword arguments of every aiokafka
client (producer, consumer, admin). A managed cluster typically needs::

    RUMAH_KAFKA_SECURITY_PROTOCOL=SASL_SSL
    RUMAH_KAFKA_SASL_MECHANISM=SCRAM-SHA-512
    RUMAH_KAFKA_SASL_USERNAME=rumah-licensing
    RUMAH_KAFKA_SASL_PASSWORD=…                 (a secret: never logged or shown)
    RUMAH_KAFKA_SSL_CAFILE=/etc/rumah/kafka-ca.pem   (unset: the system's CAs)

See docs/ports.md.
"""

from __future__ import annotations

import ssl
from typing import Any, Literal

from pydantic import Field, FilePath, SecretStr, model_validator

from rumah.common.settings import RumahSettings

REPLICATION_FACTOR = "default.replication.factor"


class KafkaClientSettings(RumahSettings):
    # PLAINTEXT (local engines only), SSL, SASL_SSL (managed clusters) or SASL_PLAINTEXT
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    # SASL mechanism: SCRAM-SHA-512, SCRAM-SHA-256, or PLAIN (refused without TLS)
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = "SCRAM-SHA-512"
    # SASL user (required with SASL_*)
    kafka_sasl_username: str | None = None
    # SASL password (required with SASL_*; never logged)
    kafka_sasl_password: SecretStr | None = None
    # PEM file of the CA(s) that signed the brokers' certificates; unset: the system's CAs
    kafka_ssl_cafile: FilePath | None = None
    # PEM client certificate for mutual TLS (may also hold its key)
    kafka_ssl_certfile: FilePath | None = None
    # PEM private key of the client certificate
    kafka_ssl_keyfile: FilePath | None = None
    # password of an encrypted client key (never logged)
    kafka_ssl_key_password: SecretStr | None = None
    # check that a broker's certificate names the host connected to (false: insecure)
    kafka_ssl_check_hostname: bool = True
    # partition replicas of topics the hub creates; unset: brokers' default.replication.factor
    kafka_replication_factor: int | None = Field(default=None, ge=1)
    # min.insync.replicas of the topics the hub creates; unset: the brokers' default
    kafka_min_insync_replicas: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _consistent_security(self) -> KafkaClientSettings:
        protocol = self.kafka_security_protocol
        sasl, tls = protocol.startswith("SASL_"), protocol.endswith("SSL")
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                f"RUMAH_KAFKA_SECURITY_PROTOCOL={protocol} needs RUMAH_KAFKA_SASL_USERNAME "
                "and RUMAH_KAFKA_SASL_PASSWORD"
            )
        if sasl and not tls and self.kafka_sasl_mechanism == "PLAIN":
            raise ValueError(
                "RUMAH_KAFKA_SASL_MECHANISM=PLAIN would send the password in the clear; "
                "use RUMAH_KAFKA_SECURITY_PROTOCOL=SASL_SSL or a SCRAM mechanism"
            )
        ssl_set = [
            name
            for name in ("ssl_cafile", "ssl_certfile", "ssl_keyfile", "ssl_key_password")
            if getattr(self, f"kafka_{name}") is not None
        ]
        if ssl_set and not tls:
            names = ", ".join(f"RUMAH_KAFKA_{n.upper()}" for n in ssl_set)
            raise ValueError(
                f"{names} set, but RUMAH_KAFKA_SECURITY_PROTOCOL={protocol} does not use TLS "
                "(SSL or SASL_SSL)"
            )
        if self.kafka_ssl_keyfile is not None and self.kafka_ssl_certfile is None:
            raise ValueError("RUMAH_KAFKA_SSL_KEYFILE needs RUMAH_KAFKA_SSL_CERTFILE")
        if tls:
            try:  # a bad CA file, certificate, key or key password stops start-up, not a call
                self.ssl_context()
            except (ssl.SSLError, OSError, ValueError) as exc:
                raise ValueError(
                    "RUMAH_KAFKA_SSL_CAFILE / _CERTFILE / _KEYFILE / _KEY_PASSWORD cannot be "
                    f"loaded: {type(exc).__name__}: {exc}"
                ) from None
        return self

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for AIOKafkaProducer / AIOKafkaConsumer / AIOKafkaAdminClient."""
        protocol = self.kafka_security_protocol
        options: dict[str, Any] = {"security_protocol": protocol}
        if protocol.endswith("SSL"):
            options["ssl_context"] = self.ssl_context()
        if protocol.startswith("SASL_"):
            assert self.kafka_sasl_password is not None  # the validator requires it
            options["sasl_mechanism"] = self.kafka_sasl_mechanism
            # aiokafka takes SCRAM credentials through its sasl_plain_* arguments too.
            options["sasl_plain_username"] = self.kafka_sasl_username
            options["sasl_plain_password"] = self.kafka_sasl_password.get_secret_value()
        return options

    def ssl_context(self) -> ssl.SSLContext:
        """Verify brokers against the CA file (or the system's CAs); TLS 1.2 or newer."""
        context = ssl.create_default_context(
            cafile=None if self.kafka_ssl_cafile is None else str(self.kafka_ssl_cafile)
        )
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = self.kafka_ssl_check_hostname
        if self.kafka_ssl_certfile is not None:
            password = self.kafka_ssl_key_password
            context.load_cert_chain(
                str(self.kafka_ssl_certfile),
                None if self.kafka_ssl_keyfile is None else str(self.kafka_ssl_keyfile),
                None if password is None else password.get_secret_value(),
            )
        return context

    def describe_security(self) -> str:
        """For messages: how clients authenticate, never a secret."""
        protocol = self.kafka_security_protocol
        if protocol.startswith("SASL_"):
            return f"{protocol}, {self.kafka_sasl_mechanism} as {self.kafka_sasl_username!r}"
        return protocol

    def topic_configs(self) -> dict[str, str]:
        """Configs every topic the hub creates gets (a caller's own configs win)."""
        if self.kafka_min_insync_replicas is None:
            return {}
        return {"min.insync.replicas": str(self.kafka_min_insync_replicas)}


async def explain_connect_failure(
    bootstrap: str, client: KafkaClientSettings, timeout_s: float
) -> str | None:
    """Why a client cannot connect, in words an operator can act on (None: it can now).

    aiokafka reports every failed bootstrap as "Unable to bootstrap from [...]" and only logs
    the cause; this opens one connection the same way, per address, to name the cause: a
    refused password, an untrusted or misnamed certificate, a protocol the listener does
    not speak. The message never contains a secret.
    """
    from aiokafka.conn import create_conn
    from aiokafka.errors import (
        KafkaConnectionError,
        KafkaError,
        SaslAuthenticationFailed,
        UnsupportedSaslMechanismError,
    )

    reasons = []
    for address in [a.strip() for a in bootstrap.split(",") if a.strip()]:
        host, _, port = address.rpartition(":")
        try:
            conn = await create_conn(
                host.strip("[]"),
                int(port),
                request_timeout_ms=int(timeout_s * 1000),
                **client.client_options(),
            )
        except SaslAuthenticationFailed as exc:
            reasons.append(
                f"{address}: authentication refused ({client.describe_security()}): "
                f"{exc.args[0] if exc.args else exc}; check RUMAH_KAFKA_SASL_USERNAME and "
                "RUMAH_KAFKA_SASL_PASSWORD"
            )
        except UnsupportedSaslMechanismError:
            reasons.append(
                f"{address}: the broker does not offer {client.kafka_sasl_mechanism}; check "
                "RUMAH_KAFKA_SASL_MECHANISM"
            )
        except ssl.SSLCertVerificationError as exc:
            hint = (
                "RUMAH_KAFKA_SSL_CHECK_HOSTNAME or the address in RUMAH_KAFKA_BOOTSTRAP"
                if "ostname" in str(exc.verify_message)
                else "RUMAH_KAFKA_SSL_CAFILE"
            )
            reasons.append(
                f"{address}: the broker's TLS certificate is not trusted "
                f"({exc.verify_message}); check {hint}"
            )
        except ssl.SSLError as exc:
            reasons.append(
                f"{address}: TLS handshake failed ({exc.reason or exc}); does the listener "
                f"speak {client.kafka_security_protocol}? check RUMAH_KAFKA_SECURITY_PROTOCOL"
            )
        except KafkaConnectionError as exc:
            protocol = client.kafka_security_protocol
            if "closed" not in str(exc):
                reasons.append(f"{address}: {exc}")
            elif protocol.endswith("SSL"):
                sent = "none" if client.kafka_ssl_certfile is None else client.kafka_ssl_certfile
                reasons.append(
                    f"{address}: the broker closed the connection after the TLS handshake: "
                    "it may require a client certificate it trusts (RUMAH_KAFKA_SSL_CERTFILE: "
                    f"{sent}) or expect another RUMAH_KAFKA_SECURITY_PROTOCOL than {protocol}"
                )
            else:
                reasons.append(
                    f"{address}: the broker closed the connection; does its listener expect "
                    f"another RUMAH_KAFKA_SECURITY_PROTOCOL than {protocol}?"
                )
        except ConnectionResetError:
            reasons.append(
                f"{address}: the broker reset the connection; does its listener speak "
                f"{client.kafka_security_protocol}? check RUMAH_KAFKA_SECURITY_PROTOCOL"
            )
        except (KafkaError, OSError, TimeoutError) as exc:
            reasons.append(f"{address}: cannot connect ({type(exc).__name__}: {exc})")
        else:
            conn.close()
            return None
    return "; ".join(reasons) or None


async def broker_replication_factor(admin: Any) -> int:
    """The cluster's ``default.replication.factor`` as a broker reports it.

    aiokafka's CreateTopics (v3) cannot ask the broker to apply its default (``-1`` needs v4),
    so the hub reads the default once and passes it explicitly.
    """
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    described = await admin.describe_cluster()
    broker = str(described["brokers"][0]["node_id"])
    resource = ConfigResource(ConfigResourceType.BROKER, broker, configs={REPLICATION_FACTOR: ""})
    [response] = await admin.describe_configs([resource])
    for code, message, _type, _name, entries in response.resources:
        if code:
            raise LookupError(f"broker {broker} does not describe its configs: {message}")
        for entry in entries:
            if entry[0] == REPLICATION_FACTOR:
                return int(entry[1])
    raise LookupError(f"broker {broker} reports no {REPLICATION_FACTOR}")
