"""Domain ``Event``s → validated CloudEvents in outbox entries (topic, key, bytes).

Event ids are derived from (service, document, version, position), so one state change
always yields the same ids: a retried write can never mint a second, different event. A
``salt`` (reconciliation: the record's content hash) joins the seed where the version alone
may not name one state: a repair written at a version the log already holds (the store lost
a document or went back to a backup) must not reuse an id consumers have already seen.

Validation is done once where it matters: the envelope of the first event of each type is
checked in full against the CloudEvents schema; its constant parts (``specversion``,
``source``, ``type``, ``datacontenttype``, ``opd``) cannot change afterwards, so later
events of that type check only what varies — ``data`` against the type's data schema, a
non-empty ``subject`` and a positive ``entityversion`` (id and time are made here).
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from services.kit.envelope import EventSchemas, InvalidEvent, encode_for_log, new_event
from services.kit.event_trace import stamp
from services.kit.ports import OutboxEntry
from services.kit.spec import Event, ServiceSpec

_NAMESPACE = uuid.UUID("6f1d3c52-9a0e-4b1f-8a57-2d1e5b7c9e01")


def uuid5_text(namespace: uuid.UUID, name: str) -> str:
    """``str(uuid.uuid5(namespace, name))``, without building UUID objects (hot path)."""
    b = bytearray(hashlib.sha1(namespace.bytes + name.encode()).digest()[:16])
    b[6] = (b[6] & 0x0F) | 0x50
    b[8] = (b[8] & 0x3F) | 0x80
    h = b.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


class EventWriter:
    def __init__(
        self, spec: ServiceSpec, schemas: EventSchemas, topic_prefix: str = "rumah"
    ) -> None:
        self.spec, self.schemas, self.topic_prefix = spec, schemas, topic_prefix
        self.source = f"/services/{spec.name}"
        self._checked_types: set[str] = set()

    def encode(
        self,
        collection: str,
        doc_id: str,
        version: int,
        events: Sequence[Event],
        now: datetime,
        *,
        salt: str = "",
    ) -> list[OutboxEntry]:
        """Outbox entries for ``events`` caused by writing version ``version`` of a document."""
        out = []
        when = now.astimezone(UTC)
        for i, ev in enumerate(events):
            seed = f"{self.spec.name}/{collection}/{doc_id}/{version}/{i}"
            if salt:
                seed = f"{seed}/{salt}"
            type_ = self.spec.event_type(ev.type)
            envelope = new_event(
                type=type_,
                source=self.source,
                subject=ev.subject,
                data=ev.data,
                entity_version=version,
                opd=self.spec.opd,
                time=when,
                id=uuid5_text(_NAMESPACE, seed),
            )
            stamp(envelope)  # the trace context of the write (CloudEvents distributed tracing)
            if type_ in self._checked_types:
                self._check_varying(type_, envelope)
            else:
                self.schemas.check(envelope)
                self._checked_types.add(type_)
            topic = self.spec.topic(ev.type, self.topic_prefix)
            value = encode_for_log(envelope)
            out.append(OutboxEntry(envelope["id"], topic, envelope["subject"], value))
        return out

    def _check_varying(self, type_: str, envelope: dict[str, object]) -> None:
        subject, version = envelope["subject"], envelope["entityversion"]
        if not isinstance(subject, str) or not subject:
            raise InvalidEvent(["envelope: data.subject must be a non-empty string"])
        if type(version) is not int or version < 1:
            raise InvalidEvent(["envelope: data.entityversion must be an integer >= 1"])
        self.schemas.check_data(type_, envelope["data"])
