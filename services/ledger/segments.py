"""Documents at positions 1, 2, 3, … kept in fixed-size collections ("segments").

Why segments: FerretDB 1.x pushes only ``{_id: <string>}`` down to SQLite and even that
costs time proportional to the collection (measured: 4.5 ms at 100 documents, 66 ms at
10,000); any other filter or sort decodes the whole collection. Bounded collections keep
every read bounded, whatever the ledger's length. On SQLite and MongoDB segments cost
nothing. Position ``n`` lives in ``<prefix>_<(n-1)//size>`` with ``_id`` ``seq_id(n)``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from typing import Any

from services.kit.ports import Document, DocumentStore, Filter, PortError, aiter_pages
from services.ledger.appender import Appender
from services.ledger.chain import parse_seq_id, seq_id

READ_AHEAD = 4  # segments read concurrently by a whole scan (``read_ahead=True``)


class PositionTaken(Exception):
    """A position being appended is already used (another writer, or an earlier attempt whose
    answer was lost); ``inserted`` documents of the batch went in before it."""

    def __init__(self, seq: int, inserted: int) -> None:
        super().__init__(f"position {seq} is already taken")
        self.seq, self.inserted = seq, inserted


class Segments:
    def __init__(self, store: DocumentStore, appender: Appender, prefix: str, size: int) -> None:
        self._store, self._appender = store, appender
        self.prefix, self.size = prefix, size

    def segment_of(self, seq: int) -> int:
        return (seq - 1) // self.size

    def name(self, segment: int) -> str:
        return f"{self.prefix}_{segment:06d}"

    def bounds(self, segment: int) -> tuple[int, int]:
        """First and last position of ``segment``."""
        return segment * self.size + 1, (segment + 1) * self.size

    async def get(self, seq: int) -> Document | None:
        if seq < 1:
            return None
        return await self._store.collection(self.name(self.segment_of(seq))).get(seq_id(seq))

    async def insert(self, docs: Sequence[Mapping[str, Any]]) -> None:
        """Append documents at consecutive positions (their ``seq``), segment by segment, in
        order; raise ``PositionTaken`` at the first position already used."""
        done, i = 0, 0
        while i < len(docs):
            segment = self.segment_of(int(docs[i]["seq"]))
            j = i
            while j < len(docs) and self.segment_of(int(docs[j]["seq"])) == segment:
                j += 1
            outcome = await self._appender.insert(self.name(segment), docs[i:j], ordered=True)
            done += outcome.count
            if outcome.existing:
                raise PositionTaken(int(docs[i + outcome.existing[0]]["seq"]), done)
            i = j

    async def last(self) -> int:
        """The highest position in use (0 when empty), assuming positions are gapless as
        appended: a gallop then a bisection over segments, then one read of the last one."""
        if await self.get(1) is None:
            return 0
        lo, hi = 0, 1  # segment lo is in use; find the first unused one
        while await self.get(self.bounds(hi)[0]) is not None:
            lo, hi = hi, hi * 2
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if await self.get(self.bounds(mid)[0]) is not None:
                lo = mid
            else:
                hi = mid
        first, end = self.bounds(lo)
        flt = {"_id": {"$gte": seq_id(first), "$lte": seq_id(end)}}
        page = await self._store.collection(self.name(lo)).find(flt, sort=[("_id", -1)], limit=1)
        found = parse_seq_id(page.items[0]["_id"]) if page.items else None
        return found or first

    async def scan(
        self,
        first: int,
        last: int,
        flt: Filter | None = None,
        *,
        strict: bool = True,
        page_size: int = 1000,
        read_ahead: bool = False,
    ) -> AsyncGenerator[Document, None]:
        """Documents at positions ``first``…``last`` in ``_id`` order, matching ``flt``.

        ``strict=False`` also yields whatever else a segment holds after ``first`` (documents
        with other ids): verification must see forged documents too. ``read_ahead`` (whole
        scans: verify, export) reads the next segment while the caller works on this one —
        on MongoDB/FerretDB the engine then decodes while we hash.
        """
        segments = range(self.segment_of(max(first, 1)), self.segment_of(last) + 1)
        if not read_ahead:
            for segment in segments:
                async for doc in self._segment(segment, first, last, flt, strict, page_size):
                    yield doc
            return

        async def load(segment: int) -> list[Document]:
            return [d async for d in self._segment(segment, first, last, flt, strict, page_size)]

        ahead: deque[asyncio.Future[list[Document]]] = deque()
        upcoming = iter(segments)
        try:
            while True:
                while len(ahead) < READ_AHEAD and (nxt := next(upcoming, None)) is not None:
                    ahead.append(asyncio.ensure_future(load(nxt)))
                if not ahead:
                    return
                for doc in await ahead.popleft():
                    yield doc
        finally:
            for task in ahead:  # the caller stopped early (a break found): stop reading
                task.cancel()
            for task in ahead:
                with contextlib.suppress(asyncio.CancelledError, PortError):
                    await task

    def _segment(
        self,
        segment: int,
        first: int,
        last: int,
        flt: Filter | None,
        strict: bool,
        page_size: int,
    ) -> AsyncIterator[Document]:
        lo, hi = self.bounds(segment)
        bound: dict[str, Any] = {"$gte": seq_id(max(first, lo))}
        if strict:
            bound["$lte"] = seq_id(min(last, hi))
        query = {**(flt or {}), "_id": bound}
        coll = self._store.collection(self.name(segment))
        return aiter_pages(coll, query, sort=[("_id", 1)], page_size=page_size)
