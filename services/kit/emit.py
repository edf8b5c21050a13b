"""Domain ``Event``s → validated CloudEvents in outbox entries (topic, key, bytes).

Event ids are derived from (service, document, version, position), so one state change
always yields the same ids: a retried write can never mint a second, different event.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from services.kit.envelope import EventSchemas, new_event
from services.kit.ports import OutboxEntry
from services.kit.spec import Event, ServiceSpec

_NAMESPACE = uuid.UUID("6f1d3c52-9a0e-4b1f-8a57-2d1e5b7c9e01")


class EventWriter:
    def __init__(
        self, spec: ServiceSpec, schemas: EventSchemas, topic_prefix: str = "rumah"
    ) -> None:
        self.spec, self.schemas, self.topic_prefix = spec, schemas, topic_prefix
        self.source = f"/services/{spec.name}"

    def encode(
        self, collection: str, doc_id: str, version: int, events: Sequence[Event], now: datetime
    ) -> list[OutboxEntry]:
        """Outbox entries for ``events`` caused by writing version ``version`` of a document."""
        out = []
        for i, ev in enumerate(events):
            seed = f"{self.spec.name}/{collection}/{doc_id}/{version}/{i}"
            envelope = new_event(
                type=self.spec.event_type(ev.type),
                source=self.source,
                subject=ev.subject,
                data=ev.data,
                entity_version=version,
                opd=self.spec.opd,
                time=now,
                id=str(uuid.uuid5(_NAMESPACE, seed)),
            )
            out.append(
                self.schemas.outbox_entry(self.spec.topic(ev.type, self.topic_prefix), envelope)
            )
        return out
