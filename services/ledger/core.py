"""One ledger over a started store (and log): its segments, writer, reader, checkpointer.

``open_ledger`` is what the service, the CLI and the tests build; the format (segment size,
hash version) is written on first use and read afterwards, so a setting changed later never
reinterprets stored positions.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from rumah.common.clock import Clock, utc_now
from services.kit.ports import DocumentStore, EventLog, VersionConflict
from services.ledger.appender import PortAppender
from services.ledger.checkpoints import Checkpointer
from services.ledger.entry import utc_text
from services.ledger.query import LedgerReader
from services.ledger.segments import Segments
from services.ledger.settings import LedgerSettings
from services.ledger.verify import Anchor, Progress, Verification, verify
from services.ledger.writer import META, LedgerWriter

log = logging.getLogger("rumah.ledger")
HASH_FORMAT = "sha256(seq\\nrecordedAt\\nprevHash\\n + canonical JSON of the event)"


@dataclass
class Ledger:
    name: str
    entries: Segments
    checkpoints: Segments
    reader: LedgerReader
    writer: LedgerWriter | None
    checkpointer: Checkpointer | None

    async def verify(
        self,
        first: int = 1,
        last: int | None = None,
        anchors: Sequence[Anchor] = (),
        on_progress: Progress | None = None,
    ) -> Verification:
        return await verify(
            self.entries,
            self.checkpoints,
            first=first,
            last=last,
            anchors=anchors,
            on_progress=on_progress,
        )


async def segment_size(store: DocumentStore, wanted: int, clock: Clock = utc_now) -> int:
    """The ledger's segment size: stored on first use, read afterwards."""
    meta = store.collection(META)
    found = await meta.get("format")
    if found is None:
        doc = {
            "_id": "format",
            "segmentSize": wanted,
            "hash": HASH_FORMAT,
            "createdAt": utc_text(clock()),
        }
        try:
            await meta.put(doc, expected_version=0)
            return wanted
        except VersionConflict:
            found = await meta.get("format")
    assert found is not None
    size = int(found["segmentSize"])
    if size != wanted:
        log.warning("ledger.segment_size_kept", extra={"stored": size, "setting": wanted})
    return size


async def open_ledger(
    settings: LedgerSettings,
    store: DocumentStore,
    event_log: EventLog | None,
    *,
    writing: bool,
    clock: Clock = utc_now,
) -> Ledger:
    """Build the ledger over started backends; a writing ledger recovers its head first."""
    appender = PortAppender(store)
    size = await segment_size(store, settings.segment_size, clock)
    entries = Segments(store, appender, "entries", size)
    checkpoints = Segments(store, appender, "checkpoints", size)
    writer = None
    if writing:
        writer = LedgerWriter(
            store,
            appender,
            entries,
            clock=clock,
            recent_window=settings.recent_window,
            ring_size=settings.ring_size,
        )
        await writer.recover()
    checkpointer = None
    if writer is not None and event_log is not None:
        checkpointer = Checkpointer(
            writer,
            checkpoints,
            event_log,
            anchor_topic=settings.anchor,
            ledger=settings.db,
            clock=clock,
        )
        await checkpointer.load()
    reader = LedgerReader(
        entries,
        writer,
        poll_interval_s=settings.poll_interval_s,
        max_segments=settings.query_max_segments,
    )
    return Ledger(settings.db, entries, checkpoints, reader, writer, checkpointer)
