"""The two ports every service uses: the event log and the document store.

Adapters (``services/kit/eventlog/{kafka,local}/``, ``services/kit/store/{mongo,sqlite}/``)
satisfy these Protocols structurally; one contract test suite per port runs against both
adapters (``tests/contract/``) so the embedded and the scale-out adapters cannot drift.

Semantics every adapter honours
-------------------------------
Event log
  * ``publish`` returns only once the record is durable (Kafka: ``acks=all``, idempotent
    producer). Records with the same key keep their order (same partition).
  * A ``Subscription`` with a ``group`` resumes after the group's last committed offset;
    offsets are committed explicitly, after processing (at-least-once). Without a group it is a
    plain reader used for replays.
  * ``StartAt`` positions a subscription: earliest, latest, an offset, or a timestamp.
  * While the engine is unreachable, calls raise ``LogUnavailable`` (never hang forever).

Document store
  * Every document has a string ``_id`` and an integer version ``_v`` (1 on insert, +1 per
    write). ``put(..., expected_version=n)`` writes only if the stored version is ``n``
    (``0`` = must not exist yet; ``ANY_VERSION`` = unconditional upsert) and otherwise raises
    ``VersionConflict``. A unique-index violation raises ``DuplicateKey``.
  * ``put`` may carry outbox entries: they are appended to the document's pending outbox in
    the *same single-document write* as the state (no transactions needed, so it works on
    FerretDB), and drained to the event log by the outbox relay, in order per document.
  * Fields whose name starts with ``_`` are reserved for the store (``_id``, ``_v``,
    ``_outbox``, ``_outbox_since``); ``get``/``find`` return documents without ``_outbox``.
  * Filters are flat: ``{"field": value}`` (equality) or ``{"field": {"$gt"|"$gte"|"$lt"|
    "$lte"|"$ne"|"$in": value}}`` on top-level fields. Sort is a list of ``(field, 1|-1)``;
    pagination is by an opaque cursor (keyset: the sort values of the last item and its id).
  * While the engine is unreachable, calls raise ``StoreUnavailable``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

Document = dict[str, Any]
Filter = Mapping[str, Any]
SortSpec = Sequence[tuple[str, int]]

ANY_VERSION = -1
"""``expected_version`` meaning: write whatever is stored (upsert)."""


# --------------------------------------------------------------------------- errors
class PortError(Exception):
    """Base of every error a port raises."""


class StoreUnavailable(PortError):
    """The document store cannot be reached right now; retry later."""


class LogUnavailable(PortError):
    """The event log cannot be reached right now; retry later."""


class VersionConflict(PortError):
    """The stored version is not the expected one (optimistic concurrency)."""

    def __init__(self, collection: str, doc_id: str, expected: int, actual: int | None) -> None:
        super().__init__(
            f"version conflict on {collection}/{doc_id}: expected {expected}, stored {actual}"
        )
        self.collection, self.doc_id, self.expected, self.actual = (
            collection,
            doc_id,
            expected,
            actual,
        )


class DuplicateKey(PortError):
    """A unique index would be violated."""

    def __init__(self, collection: str, index: str, detail: str = "") -> None:
        super().__init__(f"duplicate key in {collection} on unique index {index} {detail}".strip())
        self.collection, self.index = collection, index


# --------------------------------------------------------------------------- event log
@dataclass(frozen=True, slots=True)
class LogRecord:
    topic: str
    partition: int
    offset: int
    key: str | None
    value: bytes
    timestamp_ms: int
    headers: tuple[tuple[str, bytes], ...] = ()


Headers = Sequence[tuple[str, bytes]]
PublishItem = tuple[str, bytes] | tuple[str, bytes, Headers]
"""What ``publish_many`` takes: (key, value), or (key, value, headers) — e.g. trace context."""


def item_headers(item: PublishItem) -> Headers:
    return item[2] if len(item) > 2 else ()  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class LogPosition:
    topic: str
    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class StartAt:
    """Where a subscription starts when it has no committed offset, or for a replay."""

    kind: Literal["earliest", "latest", "offset", "timestamp"] = "earliest"
    offset: int = 0  # for kind == "offset" (applies to every partition)
    timestamp_ms: int = 0  # for kind == "timestamp": first record at or after it

    @classmethod
    def earliest(cls) -> StartAt:
        return cls("earliest")

    @classmethod
    def latest(cls) -> StartAt:
        return cls("latest")

    @classmethod
    def at_offset(cls, offset: int) -> StartAt:
        return cls("offset", offset=offset)

    @classmethod
    def at_time(cls, timestamp_ms: int) -> StartAt:
        return cls("timestamp", timestamp_ms=timestamp_ms)


EARLIEST = StartAt()
"""The default start position (an immutable constant, usable as an argument default)."""


@runtime_checkable
class Subscription(Protocol):
    """A consumer over one or more topics; an async context manager."""

    async def __aenter__(self) -> Subscription: ...
    async def __aexit__(self, *exc: object) -> None: ...

    async def poll(self, max_records: int = 500, timeout_s: float = 1.0) -> list[LogRecord]:
        """Return up to ``max_records`` (possibly none after ``timeout_s``)."""
        ...

    async def commit(self, records: Sequence[LogRecord] | None = None) -> None:
        """Commit past ``records`` (default: everything returned by ``poll`` so far)."""
        ...

    async def seek(self, start: StartAt) -> None:
        """Reposition every assigned partition (replay)."""
        ...

    async def lag(self) -> int:
        """Records between this reader's positions and the ends of the partitions assigned
        now (0: caught up, as of this call). A plain reader uses it to read a topic to its
        end without guessing from idle polls; a group member before its first assignment
        has no partitions and so reports 0."""
        ...


@runtime_checkable
class EventLog(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> None:
        """Raise ``LogUnavailable`` unless the engine accepts work right now."""
        ...

    async def ensure_topic(
        self, topic: str, partitions: int = 1, *, configs: Mapping[str, str] | None = None
    ) -> None:
        """Create ``topic`` if missing. ``configs`` (Kafka topic configs, e.g.
        ``{"retention.ms": "-1"}``) are applied to a new topic and to an existing one; the
        local log keeps every record and has nothing to configure."""
        ...

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Sequence[tuple[str, bytes]] = (),
    ) -> LogPosition:
        """Append one record and wait until it is durable."""
        ...

    async def publish_many(self, topic: str, items: Sequence[PublishItem]) -> list[LogPosition]:
        """Append several (key, value) or (key, value, headers) records; order per key holds;
        durable on return."""
        ...

    def subscribe(
        self,
        topics: Sequence[str],
        *,
        group: str | None = None,
        start: StartAt = EARLIEST,
    ) -> Subscription:
        """A consumer-group member (``group``) or a plain reader (``group=None``)."""
        ...


# --------------------------------------------------------------------------- store
@dataclass(frozen=True, slots=True)
class OutboxEntry:
    """One event waiting to be relayed: written atomically with its document's state."""

    id: str  # the event id (CloudEvents ``id``); consumers dedupe on it
    topic: str
    key: str
    value: bytes


@dataclass(frozen=True, slots=True)
class PendingOutbox:
    """A document's pending outbox entries, oldest first."""

    collection: str
    doc_id: str
    entries: tuple[OutboxEntry, ...]


@dataclass(frozen=True, slots=True)
class OutboxAck:
    """Entries of one document that the event log has confirmed (as read from the outbox).

    Whole entries, not just ids: FerretDB 1.x can only ``$pull`` exact array elements.
    """

    collection: str
    doc_id: str
    entries: tuple[OutboxEntry, ...]

    @property
    def entry_ids(self) -> tuple[str, ...]:
        return tuple(e.id for e in self.entries)


@dataclass(frozen=True, slots=True)
class Write:
    """One ``put`` of a ``put_many``."""

    doc: Mapping[str, Any]
    expected_version: int
    outbox: Sequence[OutboxEntry] = ()


WriteResult = int | VersionConflict | DuplicateKey
"""The new version, or why this one write was refused."""

OutboxFeed = Callable[[Sequence[PendingOutbox] | None], None]


@dataclass(frozen=True, slots=True)
class Inserted:
    """What ``insert_new`` did: how many went in, and the batch positions refused because
    their ``_id`` exists already."""

    count: int
    existing: tuple[int, ...] = field(default=())


@dataclass(slots=True)
class Page:
    items: list[Document] = field(default_factory=list)
    next_cursor: str | None = None  # pass as ``after`` to get the next page


@runtime_checkable
class Collection(Protocol):
    name: str

    async def ensure_index(self, fields: Sequence[str], *, unique: bool = False) -> None: ...
    async def get(self, doc_id: str) -> Document | None: ...
    async def get_many(
        self, doc_ids: Sequence[str], *, for_write: bool = False
    ) -> dict[str, Document]:
        """The stored documents among ``doc_ids``.

        ``for_write``: the caller reads to plan writes that ``put_many`` version-checks; an
        adapter may then answer from what it knows the store holds (the Mongo adapter's
        single-writer cache) instead of asking the engine. A stale answer costs a
        ``VersionConflict``, never a lost update.
        """
        ...

    async def put(
        self,
        doc: Mapping[str, Any],
        *,
        expected_version: int,
        outbox: Sequence[OutboxEntry] = (),
    ) -> int:
        """Write ``doc`` (must contain ``_id``) and its outbox entries in one write.

        Returns the new version. Raises ``VersionConflict`` / ``DuplicateKey``.
        """
        ...

    async def put_many(self, writes: Sequence[Write]) -> list[WriteResult]:
        """Several independent ``put``s, batched; one result per write, in order.

        Engine failures (``StoreUnavailable``, ``InvalidDocument``) raise for the whole call.
        """
        ...

    async def insert_new(self, docs: Sequence[Mapping[str, Any]], *, ordered: bool) -> Inserted:
        """Insert documents that must not exist yet (version 1, no outbox), in as few round
        trips as the engine allows (MongoDB: one ``insert_many``; SQLite: one transaction).

        ``ordered``: stop at the first ``_id`` that exists (the documents before it stay);
        otherwise insert every new one. Existing ids are reported, not raised. For
        collections whose only unique key is ``_id`` (the ledger's).
        """
        ...

    async def find(
        self,
        flt: Filter | None = None,
        *,
        sort: SortSpec = (),
        limit: int = 100,
        after: str | None = None,
    ) -> Page: ...

    async def count(self, flt: Filter | None = None) -> int: ...
    async def delete(self, doc_id: str) -> bool: ...


@runtime_checkable
class DocumentStore(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...
    async def ping(self) -> None:
        """Raise ``StoreUnavailable`` unless the engine accepts work right now."""
        ...

    def collection(self, name: str) -> Collection: ...

    async def outbox_pending(
        self, limit: int = 100, *, min_age_s: float = 0.0
    ) -> list[PendingOutbox]:
        """Documents (across collections) with pending outbox entries, oldest first.

        ``min_age_s`` > 0 leaves out entries written less than that many seconds ago.
        """
        ...

    async def outbox_ack_many(self, acks: Sequence[OutboxAck]) -> None:
        """Remove relayed entries from their documents' outboxes (never touches their state),
        several documents in one round trip."""
        ...

    def add_outbox_feed(self, callback: OutboxFeed) -> None:
        """Call ``callback(pending)`` with the entries of each successful write, in write order
        per document, right after it (in-process, synchronously); ``callback(None)`` when a
        write's outcome is unknown (its entries may be stored: scan)."""
        ...


async def aiter_pages(
    coll: Collection, flt: Filter | None = None, *, sort: SortSpec = (), page_size: int = 500
) -> AsyncIterator[Document]:
    """Iterate every matching document, page by page."""
    after: str | None = None
    while True:
        page = await coll.find(flt, sort=sort, limit=page_size, after=after)
        for item in page.items:
            yield item
        if page.next_cursor is None:
            return
        after = page.next_cursor


async def read_to_end(
    log: EventLog, topics: Sequence[str], *, start: StartAt = EARLIEST, max_records: int = 5000
) -> AsyncIterator[list[LogRecord]]:
    """Replay ``topics`` from ``start`` to their ends as of each check (a plain reader), batch
    by batch; ends when caught up (``Subscription.lag`` is 0), not after a guessed idle time."""
    async with log.subscribe(topics, start=start) as sub:
        while await sub.lag() > 0:
            records = await sub.poll(max_records=max_records, timeout_s=1.0)
            if records:
                yield records
