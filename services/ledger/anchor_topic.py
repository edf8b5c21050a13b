"""The anchor topic keeps every checkpoint: one partition, and on Kafka no retention limit.

A broker's default retention (7 days) would silently drop the checkpoints an auditor relies
on, so the topic's ``retention.ms`` and ``retention.bytes`` are set to ``-1`` each time the
ledger starts (also fixing a topic that was created by an earlier version or by hand), through
the log port's topic configs. The local log keeps every record anyway.
"""

from __future__ import annotations

from services.kit.ports import EventLog
from services.ledger.settings import LedgerSettings

KEEP_FOREVER = {"retention.ms": "-1", "retention.bytes": "-1"}


async def prepare_anchor_topic(settings: LedgerSettings, event_log: EventLog) -> None:
    """Create the anchor topic if needed and make it keep its records (``LogUnavailable``
    while Kafka cannot be reached)."""
    await event_log.ensure_topic(settings.anchor, 1, configs=KEEP_FOREVER)


async def anchor_retention(settings: LedgerSettings) -> dict[str, str]:
    """The anchor topic's retention settings as Kafka reports them (for tests and ops)."""
    from aiokafka.admin import AIOKafkaAdminClient
    from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.backends.kafka_bootstrap,
        client_id="rumah-ledger-admin",
        **settings.backends.client_options(),
    )
    await admin.start()
    try:
        resource = ConfigResource(
            ConfigResourceType.TOPIC, settings.anchor, configs=dict.fromkeys(KEEP_FOREVER, "")
        )
        [response] = await admin.describe_configs([resource])
    finally:
        await admin.close()
    out = {}
    for _code, _message, _type, _name, entries in response.resources:
        for entry in entries:
            out[entry[0]] = entry[1]
    return out
