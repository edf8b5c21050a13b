"""How the hub's Kafka clients create topics on a cluster: how many replicas, how many in sync.

``KafkaClientSettings`` holds the variables every Kafka client of the hub shares (services,
ledger, tools); ``BackendSettings`` inherits them, so they are plain ``RUMAH_KAFKA_…``
variables. See docs/ports.md.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from rumah.settings import RumahSettings

REPLICATION_FACTOR = "default.replication.factor"


class KafkaClientSettings(RumahSettings):
    # partition replicas of topics the hub creates; unset: brokers' default.replication.factor
    kafka_replication_factor: int | None = Field(default=None, ge=1)
    # min.insync.replicas of the topics the hub creates; unset: the brokers' default
    kafka_min_insync_replicas: int | None = Field(default=None, ge=1)

    def topic_configs(self) -> dict[str, str]:
        """Configs every topic the hub creates gets (a caller's own configs win)."""
        if self.kafka_min_insync_replicas is None:
            return {}
        return {"min.insync.replicas": str(self.kafka_min_insync_replicas)}


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
