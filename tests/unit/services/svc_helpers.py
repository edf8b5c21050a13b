"""Helpers for the unit tests of OPD services on the embedded adapters: sync a simulator's
records into a runtime, run a subgraph query in-process, and read the new events."""

from __future__ import annotations

from typing import Any

from strawberry.federation import Schema

from services.kit.envelope import Event
from services.kit.graphql.context import RequestContext
from services.kit.ingest import IngestResult
from services.kit.runtime import ServiceRuntime
from services.kit.simulator.core import Simulator
from services.kit.simulator.table import Record
from services.kit.testing import pending_events


async def sync_all(sim: Simulator, rt: ServiceRuntime) -> IngestResult:
    """Ingest every record of every resource the service binds (a full pull)."""
    total = IngestResult()
    for binding in rt.spec.entities:
        records = list(sim.table(binding.resource).records.values())
        total.add(await rt.ingest(binding.resource, records))
    return total


async def apply(rt: ServiceRuntime, changes: list[tuple[str, Record]]) -> IngestResult:
    """Ingest what a simulator action changed, record by record (as the webhook pushes it)."""
    total = IngestResult()
    for resource, record in changes:
        total.add(await rt.ingest(resource, [record]))
    return total


async def query(schema: Schema, rt: ServiceRuntime, q: str, **variables: Any) -> dict[str, Any]:
    result = await schema.execute(q, variable_values=variables, context_value=RequestContext(rt))
    assert result.errors is None, result.errors
    assert result.data is not None
    return result.data


class EventTap:
    """The events written to the outbox since the tap was last read."""

    def __init__(self, rt: ServiceRuntime) -> None:
        self.rt, self.seen = rt, set[str]()

    async def new(self) -> list[Event]:
        out = [e for e in await pending_events(self.rt.store) if e["id"] not in self.seen]
        self.seen.update(e["id"] for e in out)
        return out

    async def types(self) -> list[str]:
        """The short types (``activity.created``) of the new events, in outbox order."""
        return [e["type"].split(".", 4)[-1] for e in await self.new()]
