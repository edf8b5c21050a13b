"""The scale-out event log: Apache Kafka through aiokafka (``KafkaEventLog``)."""

from services.kit.eventlog.kafka.log import KafkaEventLog

__all__ = ["KafkaEventLog"]
