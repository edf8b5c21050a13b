"""Replicas of one service share its work through an *intake* topic (docs/replicas.md).

Whatever brings upstream records in — the pull, a pushed webhook, a reconciliation pass —
hands them to ``IntakeForwarder`` instead of the ``Ingestor``: each record is published to
``<prefix>.<service>.intake`` keyed by its upstream id, durably, before the pull's cursor
moves or the webhook is answered. ``IntakeWorker`` is every replica's member of the consumer
group over that topic: the log gives each partition (so each entity) to exactly one live
replica, which applies the records with the normal ingest path and commits after the write.
A replica that dies leaves its partitions' uncommitted records to the member the group gives
them to next; ingest is idempotent by revision, so a record applied twice changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from services.kit.backoff import Backoff
from services.kit.ingest import Ingest, IngestResult
from services.kit.ports import EARLIEST, EventLog, LogRecord, PortError, Subscription
from services.kit.spec import EntityBinding, ServiceSpec

log = logging.getLogger("rumah.intake")
FAMILY = "intake"


def intake_topic(spec: ServiceSpec, prefix: str) -> str:
    return f"{prefix}.{spec.name}.{FAMILY}"


def _key(binding: EntityBinding, raw: Any) -> str:
    found = raw.get(binding.mapping.id_source) if isinstance(raw, Mapping) else None
    return "" if found is None else str(found)  # no id: its owner quarantines it


class IntakeForwarder:
    """An ``Ingest`` that publishes records for their owning replica to apply."""

    def __init__(self, event_log: EventLog, topic: str) -> None:
        self._log, self.topic = event_log, topic
        self.forwarded = 0

    async def ingest(
        self, binding: EntityBinding, raws: Sequence[Any], *, reconciling: bool = False
    ) -> IngestResult:
        items = [
            (
                _key(binding, raw),
                orjson.dumps(
                    {"resource": binding.resource, "raw": raw, "reconciling": reconciling}
                ),
            )
            for raw in raws
        ]
        if items:
            await self._log.publish_many(self.topic, items)
        self.forwarded += len(items)
        return IngestResult(forwarded=len(items))


class IntakeWorker:
    """This replica's share of the intake: poll → ingest (per resource) → commit."""

    def __init__(
        self,
        event_log: EventLog,
        spec: ServiceSpec,
        ingestor: Ingest,
        topic: str,
        *,
        max_records: int = 500,
    ) -> None:
        self._log, self._spec, self._ingestor = event_log, spec, ingestor
        self.topic, self.group, self._max = topic, topic, max_records
        self.applied = IngestResult()
        self.refused = 0  # records that are not intake records (logged, skipped)
        self.batches = 0
        self.subscription: Subscription | None = None  # the group membership now (tests, probes)

    async def run(self) -> None:
        """Consume until cancelled; reconnects while the log is down, retries a batch while
        the store is down (nothing is committed past a batch that was not applied)."""
        backoff = Backoff(initial=0.2, maximum=5.0)
        while True:
            try:
                async with self._log.subscribe(
                    [self.topic], group=self.group, start=EARLIEST
                ) as sub:
                    self.subscription = sub
                    while True:
                        records = await sub.poll(self._max, 0.5)
                        if not records:
                            continue
                        await self._apply_until_done(records, backoff)
                        await sub.commit(records)
                        backoff.reset()
            except PortError as exc:
                log.warning("intake.log_unavailable", extra={"reason": repr(exc)})
                await backoff.wait()
            finally:
                self.subscription = None  # left the group (or never joined)

    async def _apply_until_done(self, records: Sequence[LogRecord], backoff: Backoff) -> None:
        while True:
            try:
                await self.apply(records)
                return
            except PortError as exc:  # the store is down: the same batch again, later
                log.warning("intake.apply_failed", extra={"reason": repr(exc)})
                await backoff.wait()

    async def apply(self, records: Sequence[LogRecord]) -> IngestResult:
        """Ingest a polled batch: one ingest call per (resource, reconciling) group."""
        groups: dict[tuple[str, bool], list[Any]] = {}
        for record in records:
            parsed = self._parse(record)
            if parsed is not None:
                groups.setdefault((parsed[0], parsed[1]), []).append(parsed[2])
        total = IngestResult()
        for (resource, reconciling), raws in groups.items():
            binding = self._spec.binding_for(resource)
            assert binding is not None  # checked by _parse
            total.add(await self._ingestor.ingest(binding, raws, reconciling=reconciling))
        self.applied.add(total)
        self.batches += 1
        return total

    def _parse(self, record: LogRecord) -> tuple[str, bool, Any] | None:
        try:
            body = orjson.loads(record.value)
            resource, raw = body["resource"], body["raw"]
            reconciling = bool(body.get("reconciling"))
        except (orjson.JSONDecodeError, KeyError, TypeError):
            body, resource = None, None
        if (
            body is None
            or not isinstance(resource, str)
            or self._spec.binding_for(resource) is None
        ):
            self.refused += 1
            where = {"topic": record.topic, "partition": record.partition, "offset": record.offset}
            log.error("intake.record_refused", extra=where)
            return None
        return resource, reconciling, raw
