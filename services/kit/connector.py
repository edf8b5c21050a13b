"""The pull side of the connector: incremental, paged, ETag-aware, patient with a down upstream.

Each pass asks ``GET /api/<resource>?diubah_sejak=<cursor>&halaman=1&per_halaman=N``
(names per ``UpstreamApi``) and moves the cursor to the newest updated-at it saw, so a pass
pages by cursor rather than by offset: records that change while we page move to the end
instead of shifting a page boundary over an unseen record. Only when a whole page shares one
timestamp does it fall back to ``halaman`` 2, 3, …. A pass whose first request matches the
stored ETag costs one 304.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from services.kit.backoff import Backoff
from services.kit.ingest import Ingest, IngestResult
from services.kit.ports import PortError
from services.kit.spec import EntityBinding, UpstreamApi
from services.kit.syncstate import CursorStore, ResourceSync, SyncState

log = logging.getLogger("rumah.connector")


class UpstreamError(Exception):
    """The upstream did not answer usefully (down, 5xx, timeout, not JSON)."""


class Puller:
    def __init__(
        self,
        http: aiohttp.ClientSession,
        base_url: str,
        api: UpstreamApi,
        ingestor: Ingest,
        sync: SyncState,
        cursors: CursorStore,
        clock: Callable[[], datetime],
        page_size: int,
    ) -> None:
        self.http, self.base_url, self.api = http, base_url.rstrip("/"), api
        self.ingestor, self.sync, self.cursors, self.clock = ingestor, sync, cursors, clock
        self.page_size = page_size

    async def pull(self, binding: EntityBinding) -> IngestResult:
        """One pass over one resource: everything changed since the stored cursor.

        The cursor moves past a page only after ``ingest`` returned for it, i.e. once every
        record of the page is stored, quarantined or judged a duplicate/outdated; a failed
        write raises and the next pass asks for the same records again. The ETag is kept only
        after a whole pass succeeded: a 304 must never stand for records not applied.
        """
        rs = self.sync.of(binding.resource)
        rs.last_attempt_at = self.clock()
        total, page = IngestResult(), 1
        tag: tuple[str | None, str | None] | None = None  # (query cursor, ETag) of page 1
        try:
            while True:
                cursor = rs.cursor
                items, etag = await self._fetch(binding.resource, rs, cursor, page)
                if items is None:  # 304: nothing changed since the last complete pass
                    break
                total.add(await self.ingestor.ingest(binding, items))
                if page == 1:
                    tag = (cursor, etag)
                rs.records_seen += len(items)
                newest = newest_stamp(items, self.api.updated_field)
                if newest is not None and newest != cursor:
                    rs.cursor = newest
                last = len(items) < self.page_size
                if last and tag is not None:  # the pass is complete: the ETag may stand
                    rs.etag_query, rs.etag = tag
                await self.cursors.save(rs)
                if last:
                    break
                page = 1 if rs.cursor != cursor else page + 1
        except UpstreamError as exc:
            self._failed(rs, str(exc))
            raise
        rs.reachable, rs.consecutive_failures = True, 0
        rs.last_success_at = self.clock()
        return total

    async def fetch_page(self, resource: str, cursor: str | None, page: int) -> list[Any]:
        """One page of records changed since ``cursor``, without ETag (always the records):
        for reconciliation, which reads everything and keeps no cursor."""
        items, _ = await self._fetch(resource, ResourceSync(resource), cursor, page)
        return items or []

    async def _fetch(
        self, resource: str, rs: ResourceSync, cursor: str | None, page: int
    ) -> tuple[list[Any] | None, str | None]:
        api = self.api
        params = {api.page_param: str(page), api.size_param: str(self.page_size)}
        if cursor:
            params[api.cursor_param] = cursor
        headers = {}
        if page == 1 and rs.etag and rs.etag_query == cursor:
            headers["If-None-Match"] = rs.etag
        url = self.base_url + api.list_path.format(resource=resource)
        try:
            async with self.http.get(url, params=params, headers=headers) as resp:
                if resp.status == 304:
                    return None, rs.etag
                if resp.status != 200:
                    raise UpstreamError(f"GET {resource}: HTTP {resp.status}")
                body = await resp.json(content_type=None)
                etag = resp.headers.get("ETag")
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise UpstreamError(f"GET {resource}: {type(exc).__name__}: {exc}") from exc
        items = body.get(api.items_key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise UpstreamError(f"GET {resource}: no {api.items_key!r} list in the answer")
        return items, etag

    def _failed(self, rs: ResourceSync, reason: str) -> None:
        if rs.reachable is not False:
            log.warning("upstream_unreachable", extra={"resource": rs.resource, "reason": reason})
        rs.reachable, rs.last_error = False, reason
        rs.consecutive_failures += 1
        rs.error_count += 1


def newest_stamp(items: list[Any], field: str) -> str | None:
    """The upstream's updated-at text of the newest record of a page (None if none has one)."""
    # Records come oldest change first; a garbage record may lack the field.
    for item in reversed(items):
        if isinstance(item, dict) and isinstance(item.get(field), str):
            return str(item[field])
    return None


async def pull_forever(
    puller: Puller, bindings: tuple[EntityBinding, ...], interval_s: float, backoff: Backoff
) -> None:
    """Pull every resource each ``interval_s``; while the upstream fails, back off (capped)."""
    while True:
        try:
            for binding in bindings:
                await puller.pull(binding)
        except UpstreamError:
            await backoff.wait()
            continue
        except PortError as exc:  # the store or log is down: state cannot be written yet
            log.warning("pull_paused", extra={"reason": repr(exc)})
            await backoff.wait()
            continue
        except Exception:  # a bug must show in the log, not silently end the sync
            log.exception("pull_failed")
            await backoff.wait()
            continue
        if backoff.attempts:
            log.warning("upstream_recovered", extra={"resources": [b.resource for b in bindings]})
        backoff.reset()
        await asyncio.sleep(interval_s)
