"""The ledger subgraph: ``history`` (cursor pages by sequence), ``changes`` (replay + live
over graphql-transport-ws), the head, checkpoints and verification.

Entries expose their event and resolve its subject as a federation reference to the owning
service, and the positions (jabatan) the event names as ``Position`` references, so the
gateway joins the current state and the current holder.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from functools import partial
from typing import Annotated, Any, cast

import strawberry
from graphql import GraphQLError
from strawberry.federation import Schema
from strawberry.scalars import JSON

from rumah.common import tracing
from services.kit.event_trace import event_context
from services.kit.graphql.access import requires
from services.kit.graphql.refs import Position, position
from services.kit.ports import Document
from services.kit.principal import Principal
from services.kit.scopes import LEDGER_READ, LEDGER_VERIFY, PERSONAL
from services.ledger.access import denied, require_integrity_reader, scoped
from services.ledger.context import Info
from services.ledger.entry import event_of, utc_text
from services.ledger.personal import withhold
from services.ledger.query import Criteria
from services.ledger.subjects import LedgerSubject, subject_ref
from services.ledger.verify import Verification

FEDERATION_VERSION = "2.5"


def _personal_withheld() -> GraphQLError:
    return denied("personal data: needs the personal:read scope", "UNAUTHORIZED_FIELD_OR_TYPE")


def _subject(root: Any) -> str | None:
    """The event subject, unless it names a person the principal may not see."""
    if root.subject_value is None:
        raise _personal_withheld()
    return str(root.subject_value)


_SUBJECT = "The event subject (a NIP needs personal:read)."


@strawberry.type(description="A CloudEvent as the service published it.")
class LedgerEvent:
    id: strawberry.ID
    type: str
    source: str
    subject_value: strawberry.Private[str | None]
    subject: str | None = strawberry.field(resolver=_subject, description=_SUBJECT)
    time: str = strawberry.field(description="When the service recorded the change (ISO 8601).")
    opd: str | None
    entity_version: int | None
    data: JSON = strawberry.field(
        description="The event's payload, as published (personal keys null without "
        "personal:read: see withheld)."
    )
    withheld: list[str] = strawberry.field(
        description="Payload keys withheld as personal data (they need personal:read)."
    )
    specversion: str
    dataschema: str | None


@strawberry.type(description="One position of the hash-chained ledger.")
class LedgerEntry:
    seq: int = strawberry.field(description="Gapless sequence number (1, 2, 3, …).")
    hash: str = strawberry.field(
        description="SHA-256 of seq, recordedAt, prevHash and the canonical event (hex)."
    )
    prev_hash: str
    recorded_at: datetime = strawberry.field(description="When the ledger appended it.")
    service: str | None
    entity_type: str | None
    entity_id: str | None = strawberry.field(
        resolver=lambda root: _subject(root.event), description=_SUBJECT
    )
    event: LedgerEvent
    positions: list[Position] = strawberry.field(
        description="Positions (jabatan) the event names; holders resolve through personnel."
    )
    subject: LedgerSubject | None = strawberry.field(  # type: ignore[valid-type]
        description="The entity the event is about, resolved by the service that owns it."
    )

    @classmethod
    def from_doc(cls, doc: Document, who: Principal) -> LedgerEntry:
        """The entry as ``who`` may see it (``services.ledger.personal``)."""
        ev = event_of(doc)
        data, withheld, subject_withheld = ev.get("data"), list[str](), False
        if not who.may(PERSONAL):
            data, withheld, subject_withheld = withhold(str(ev.get("type")), data)
        subject = None if subject_withheld else str(ev.get("subject", ""))
        return cls(
            seq=int(doc["seq"]),
            hash=doc["hash"],
            prev_hash=doc["prevHash"],
            recorded_at=datetime.fromisoformat(doc["recordedAt"]),
            service=doc.get("service"),
            entity_type=doc.get("entityType"),
            event=LedgerEvent(
                id=strawberry.ID(str(ev.get("id"))),
                type=str(ev.get("type")),
                source=str(ev.get("source")),
                subject_value=subject,
                time=str(ev.get("time")),
                opd=ev.get("opd"),
                entity_version=ev.get("entityversion"),
                data=cast(JSON, data),
                withheld=withheld,
                specversion=str(ev.get("specversion")),
                dataschema=ev.get("dataschema"),
            ),
            positions=[position(p) for p in doc.get("positions") or ()],
            subject=subject_ref(doc.get("service"), doc.get("entityType"), ev.get("subject")),
        )


@strawberry.input(description="Every field narrows the entries (all must match).")
class LedgerFilter:
    opd: str | None = strawberry.UNSET
    service: str | None = strawberry.UNSET
    event_type: str | None = strawberry.field(
        default=strawberry.UNSET, description="Full CloudEvents type."
    )
    entity_type: str | None = strawberry.field(
        default=strawberry.UNSET, description="e.g. permit, employee, activity."
    )
    entity_id: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="The event subject."
    )
    position: strawberry.ID | None = strawberry.field(
        default=strawberry.UNSET, description="A position (jabatan) the event names."
    )
    from_: datetime | None = strawberry.field(
        name="from", default=strawberry.UNSET, description="Event time at or after."
    )
    to: datetime | None = strawberry.field(default=strawberry.UNSET, description="At or before.")
    reads: str | None = strawberry.field(
        default=strawberry.UNSET,
        description="Access records of requests that read this entity, as Type:key "
        "(e.g. Employee:199001012015031001); needs access:read.",
    )

    def criteria(self) -> Criteria:
        def val(v: Any) -> Any:
            return None if v is strawberry.UNSET or v is None else v

        moment_from, moment_to = val(self.from_), val(self.to)
        return Criteria(
            opd=val(self.opd),
            service=val(self.service),
            event_type=val(self.event_type),
            entity_type=val(self.entity_type),
            entity_id=None if val(self.entity_id) is None else str(self.entity_id),
            position=None if val(self.position) is None else str(self.position),
            time_from=None if moment_from is None else utc_text(_aware(moment_from)),
            time_to=None if moment_to is None else utc_text(_aware(moment_to)),
            reads=val(self.reads),
        )


def _aware(moment: datetime) -> datetime:
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@strawberry.type
class LedgerEntryEdge:
    cursor: str
    node: LedgerEntry


@strawberry.type
class LedgerPageInfo:
    end_cursor: str = strawberry.field(
        description="Pass as `after`: the last sequence examined (matching or not)."
    )
    has_next_page: bool
    scanned_to: int


@strawberry.type
class LedgerEntryConnection:
    edges: list[LedgerEntryEdge]
    page_info: LedgerPageInfo
    head: int = strawberry.field(description="The ledger's head when the page was read.")


@strawberry.type
class LedgerHead:
    seq: int
    hash: str
    recorded_at: datetime | None


@strawberry.type
class LedgerCheckpoint:
    checkpoint: int
    seq: int
    hash: str
    recorded_at: datetime | None
    time: datetime


@strawberry.type
class LedgerBreak:
    seq: int
    kind: str = strawberry.field(
        description="deleted | inserted | reordered | altered | checkpoint_mismatch"
    )
    detail: str


@strawberry.type
class LedgerVerification:
    ok: bool
    from_: int = strawberry.field(name="from")
    to: int
    checked: int
    head_hash: str
    anchors_checked: int
    latest_checkpoint: LedgerCheckpoint | None
    broken: LedgerBreak | None = strawberry.field(description="The first broken link.")

    @classmethod
    def of(cls, v: Verification) -> LedgerVerification:
        cp = v.checkpoint
        return cls(
            ok=v.ok,
            from_=v.first,
            to=v.last,
            checked=v.checked,
            head_hash=v.head_hash,
            anchors_checked=v.anchors_checked,
            latest_checkpoint=None
            if cp is None
            else LedgerCheckpoint(
                checkpoint=cp.number,
                seq=cp.seq,
                hash=cp.hash,
                recorded_at=_moment(cp.recorded_at),
                time=datetime.fromisoformat(cp.time),
            ),
            broken=None
            if v.broken is None
            else LedgerBreak(seq=v.broken.seq, kind=v.broken.kind, detail=v.broken.detail),
        )


def _moment(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _cursor(after: str | None) -> int:
    if after is None:
        return 0
    if not after.isdigit():
        raise denied(f"`after` is a sequence number, not {after!r}", "BAD_USER_INPUT")
    return int(after)


async def _since(info: Info, since: str | None, criteria: Criteria) -> int:
    reader = info.context.ledger.reader
    if since is None:
        return await reader.head()  # live only
    if since.isdigit():
        return int(since)
    try:
        moment = datetime.fromisoformat(since)
    except ValueError:
        raise denied("`since` is a sequence number or an ISO 8601 time", "BAD_USER_INPUT") from None
    return await reader.seq_before(utc_text(_aware(moment)))


@strawberry.type
class Query:
    @strawberry.field(
        description="Ledger entries by sequence, filtered; cursor = sequence.",
        directives=[requires(LEDGER_READ)],
    )
    async def history(
        self,
        info: Info,
        filter: LedgerFilter | None = None,
        after: str | None = None,
        first: int = 50,
    ) -> LedgerEntryConnection:
        ctx = info.context
        criteria = scoped((filter or LedgerFilter()).criteria(), ctx.principal)
        cursor = _cursor(after)
        if after is None and criteria.time_from is not None:
            # recordedAt never decreases and trails the event time: skip what precedes it.
            start = datetime.fromisoformat(criteria.time_from) - timedelta(
                seconds=ctx.settings.clock_skew_s
            )
            cursor = await ctx.ledger.reader.seq_before(utc_text(start))
        limit = max(1, min(first, ctx.settings.max_page))
        part = await ctx.ledger.reader.page(criteria, cursor, limit)
        return LedgerEntryConnection(
            edges=[
                LedgerEntryEdge(cursor=str(d["seq"]), node=LedgerEntry.from_doc(d, ctx.principal))
                for d in part.items
            ],
            page_info=LedgerPageInfo(
                end_cursor=str(part.scanned_to),
                has_next_page=part.scanned_to < part.head,
                scanned_to=part.scanned_to,
            ),
            head=part.head,
        )

    @strawberry.field(
        description="One entry by its sequence number.", directives=[requires(LEDGER_READ)]
    )
    async def ledger_entry(self, info: Info, seq: int) -> LedgerEntry | None:
        criteria = scoped(Criteria(), info.context.principal)
        doc = await info.context.ledger.reader.get(seq)
        if doc is None or not criteria.matches(doc):
            return None
        return LedgerEntry.from_doc(doc, info.context.principal)

    @strawberry.field(
        description="The last appended entry's sequence and hash.",
        directives=[requires(LEDGER_VERIFY)],
    )
    async def ledger_head(self, info: Info) -> LedgerHead:
        info.context.principal  # noqa: B018 - any principal may read the head
        reader = info.context.ledger.reader
        seq = await reader.head()
        doc = await reader.get(seq) if seq else None
        return LedgerHead(
            seq=seq,
            hash=doc["hash"] if doc else "0" * 64,
            recorded_at=_moment(doc["recordedAt"]) if doc else None,
        )

    @strawberry.field(
        description="The latest checkpoints (published to the anchor topic).",
        directives=[requires(LEDGER_VERIFY)],
    )
    async def ledger_checkpoints(self, info: Info, first: int = 10) -> list[LedgerCheckpoint]:
        info.context.principal  # noqa: B018 - any principal may read checkpoints
        segments = info.context.ledger.checkpoints
        last = await segments.last()
        out = []
        for n in range(last, max(0, last - min(first, 100)), -1):
            doc = await segments.get(n)
            if doc is not None:
                out.append(
                    LedgerCheckpoint(
                        checkpoint=n,
                        seq=doc["headSeq"],
                        hash=doc["headHash"],
                        recorded_at=_moment(doc["recordedAt"]),
                        time=datetime.fromisoformat(doc["time"]),
                    )
                )
        return out

    @strawberry.field(
        description="Recompute the chain; report the first broken link.",
        directives=[requires(LEDGER_VERIFY)],
    )
    async def ledger_verification(
        self,
        info: Info,
        from_: Annotated[int, strawberry.argument(name="from")] = 1,
        to: int | None = None,
    ) -> LedgerVerification:
        require_integrity_reader(info.context.principal)
        return LedgerVerification.of(await info.context.ledger.verify(from_, to))


@strawberry.type
class Subscription:
    @strawberry.subscription(
        directives=[requires(LEDGER_READ)],
        description="Entries after `since` (a sequence number, or an ISO time: entries the "
        "ledger recorded from then; omitted: only new ones), replayed then live, in order, "
        "with no gap and no duplicate.",
    )
    async def changes(
        self, info: Info, filter: LedgerFilter | None = None, since: str | None = None
    ) -> AsyncIterator[LedgerEntry]:
        criteria = scoped((filter or LedgerFilter()).criteria(), info.context.principal)
        cursor = await _since(info, since, criteria)
        docs = info.context.ledger.reader.follow(criteria, cursor)
        who = info.context.principal
        return _traced(docs, info.context, who) if tracing.enabled() else _entries(docs, who)


async def _entries(docs: AsyncIterator[Document], who: Principal) -> AsyncIterator[LedgerEntry]:
    async for doc in docs:
        yield LedgerEntry.from_doc(doc, who)


async def _traced(
    docs: AsyncIterator[Document], context: Any, who: Principal
) -> AsyncIterator[LedgerEntry]:
    """Each entry delivered in a span of its event's trace, whose context goes to the gateway
    with the ``next`` (``TraceNext``). The span is not made current: a generator's yield would
    leave it attached to the wrong context."""
    async for doc in docs:
        span = tracing.start_span(
            "ledger",
            "ledger.changes.deliver",
            kind="producer",
            parent=event_context(doc.get("eventJson", b"")),
            attributes={"rumah.seq": int(doc["seq"])},
        )
        with tracing.ended([span]):
            carrier: dict[str, str] = {}
            tracing.inject(carrier, span)
            context.trace_next = carrier
            yield LedgerEntry.from_doc(doc, who)


def build_schema() -> Schema:
    """The ledger's federation v2 subgraph schema."""
    from strawberry.extensions import ParserCache, ValidationCache

    from services.kit.graphql.errors import ClientSafeErrors
    from services.kit.graphql.tracing import tracing_extensions

    return Schema(
        query=Query,
        subscription=Subscription,
        types=[Position],
        federation_version=FEDERATION_VERSION,  # type: ignore[arg-type]
        extensions=[
            partial(ParserCache, maxsize=256),
            partial(ValidationCache, maxsize=256),
            ClientSafeErrors,
            *tracing_extensions(),
        ],
    )
