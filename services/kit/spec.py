"""What a service declares about itself; the kit does the rest.

A service folder builds one ``ServiceSpec`` (in its ``bootstrap.py``): its entities with their
mappings and domain reactions, its strawberry types, its simulator workflow and its
periodic jobs. Topic and event-type names are derived here so every service names them alike.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from rumah.common.clock import Clock
from services.kit.mapping import EntityMapping
from services.kit.ports import Collection, Document

if TYPE_CHECKING:
    from services.kit.simulator.core import Workflow

EVENT_TYPE_PREFIX = "id.go.serdangbedagaikab"


@dataclass(frozen=True, slots=True)
class Event:
    """A fact the domain decided happened; ``type`` is short: ``"permit.status_changed"``."""

    type: str
    subject: str  # the canonical entity id; also the log key (order per entity holds)
    data: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class Reaction:
    doc: Document  # what to store (the mapped doc, maybe with derived fields)
    events: Sequence[Event] = ()


React = Callable[[Document | None, Document, datetime], Reaction]


def no_events(old: Document | None, new: Document, now: datetime) -> Reaction:
    return Reaction(new)


@dataclass(frozen=True)
class EntityBinding:
    """One upstream resource → one canonical collection, with the domain's reaction."""

    mapping: EntityMapping[Any]
    react: React = no_events
    indexes: tuple[tuple[str, ...], ...] = ()
    # the canonical field naming a record's OPD; None: "opd" when mapped, else the
    # service's own OPD owns every record (services.kit.opd_scope)
    opd_field: str | None = None

    @property
    def collection(self) -> str:
        return self.mapping.entity

    @property
    def resource(self) -> str:
        return self.mapping.resource


@dataclass(frozen=True, slots=True)
class UpstreamApi:
    """How the upstream REST API pages and filters (the regency's common conventions)."""

    list_path: str = "/api/{resource}"
    items_key: str = "data"
    cursor_param: str = "diubah_sejak"
    updated_field: str = "diubah_pada"
    page_param: str = "halaman"
    size_param: str = "per_halaman"
    page_size: int = 200


class JobContext(Protocol):
    """What a periodic job may use of the running service (the kit's ``ServiceRuntime``)."""

    @property
    def clock(self) -> Clock: ...

    def collection(self, name: str) -> Collection: ...

    async def save(
        self, collection: str, doc: Document, *, expected_version: int, events: Sequence[Event]
    ) -> int:
        """Write a document and its events in one put."""
        ...


@dataclass(frozen=True, slots=True)
class Job:
    """A periodic task of the service (e.g. the SLA sweep)."""

    name: str
    interval_s: float
    run: Callable[[JobContext], Awaitable[Any]]


@dataclass(frozen=True)
class ServiceSpec:
    name: str  # "licensing": topics rumah.licensing.*, GraphQL prefix licensing*
    application_id: str  # this OPD application's id in Kominfo's registry, e.g. "sicantik"
    opd: str  # the OPD code carried by every event, e.g. "DPMPTSP"
    title: str
    entities: tuple[EntityBinding, ...]
    event_families: tuple[str, ...]  # topics rumah.<name>.<family>, created at start
    query: type  # the service's strawberry Query type
    workflow: Workflow
    types: tuple[type, ...] = ()
    jobs: tuple[Job, ...] = ()
    upstream: UpstreamApi = field(default_factory=UpstreamApi)
    # "Type.python_field" holding personal data (names, NIP): they need personal:read too
    personal_fields: frozenset[str] = frozenset()

    def event_type(self, short: str) -> str:
        return f"{EVENT_TYPE_PREFIX}.{self.name}.{short}"

    def topic(self, short_type: str, prefix: str = "rumah") -> str:
        """``permit.status_changed`` → ``rumah.licensing.permit`` (one topic per family)."""
        return f"{prefix}.{self.name}.{short_type.split('.', 1)[0]}"

    def binding_for(self, resource: str) -> EntityBinding | None:
        return next((b for b in self.entities if b.resource == resource), None)
