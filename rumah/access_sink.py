"""Rumah's sink for the gateway's access records: CloudEvents on the event log (topic
``<prefix>.gateway.access``, type ``id.go.serdangbedagaikab.gateway.access.recorded``),
which the ledger consumes and chains like status events.

The gateway knows only ``gateway.access_records.RecordSink``; this is the composition
root's choice of where records go (``RUMAH_GATEWAY_ACCESS_RECORDS=eventlog``, the default),
on the same backend the services use (``RUMAH_BACKEND``, Kafka or the embedded log).
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from services.kit.backends import BackendSettings, make_backends
from services.kit.envelope import encode, new_event
from services.kit.ports import EventLog
from services.kit.spec import EVENT_TYPE_PREFIX

ACCESS_TYPE = f"{EVENT_TYPE_PREFIX}.gateway.access.recorded"
REGENCY = "PEMKAB"  # the OPD code of a record whose principal has none (auditors, operators)
_OPD = re.compile(r"^[A-Z0-9-]{2,32}$")


def access_topic(prefix: str) -> str:
    return f"{prefix}.gateway.access"


def access_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """The CloudEvent of one record: subject = the reader (a reader's records keep order)."""
    who = record.get("principal") or {}
    opd = who.get("opd")
    return new_event(
        type=ACCESS_TYPE,
        source="/gateway",
        subject=str(who.get("subject") or "anonymous"),
        data=record,
        entity_version=1,
        opd=opd if isinstance(opd, str) and _OPD.match(opd) else REGENCY,
        time=datetime.fromisoformat(str(record["time"]).replace("Z", "+00:00")),
        id=str(record["id"]),
    )


class EventLogSink:
    def __init__(self, log: EventLog, topic: str) -> None:
        self.log, self.topic = log, topic
        self._topic_ready = False

    async def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not self._topic_ready:
            await self.log.ensure_topic(self.topic)
            self._topic_ready = True
        events = [access_event(r) for r in records]
        await self.log.publish_many(self.topic, [(e["subject"], encode(e)) for e in events])


@contextlib.asynccontextmanager
async def open_sink(
    prefix: str = "rumah", backends: BackendSettings | None = None
) -> AsyncIterator[EventLogSink]:
    """The event-log sink on the configured backend, started and stopped with the block."""
    from rumah.common.settings import load_settings

    _, log = make_backends(backends or load_settings(BackendSettings), db="gateway")
    await log.start()
    try:
        yield EventLogSink(log, access_topic(prefix))
    finally:
        await log.stop()
