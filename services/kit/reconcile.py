"""Reconciliation: a slow, periodic, full comparison of the canonical copy with the upstream.

The incremental pull sees only what changed after its cursor; if a change ever slipped past
it (a bug, a write undone behind the service's back, a record that never reached the
store), nothing would bring it back. A reconciliation pass reads every upstream record —
paged by updated-at like the pull, so records changing meanwhile cannot slip between pages,
and at most ``records_per_s`` a second, so the OPD application is not loaded — and hands
each page to the ingest with the "already stored" hint off: each record is judged against
the store by id and revision, exactly as a pulled one. Equal or older → nothing is written;
newer or missing → the normal write path repairs it, with the state's events (one per
version change, like any other write). A pass never deletes: a record the upstream no longer
lists is left as it is.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from services.kit.connector import Puller, UpstreamError, newest_stamp
from services.kit.ingest import Ingest
from services.kit.ports import PortError
from services.kit.spec import EntityBinding

log = logging.getLogger("rumah.reconcile")
Sleep = Callable[[float], Awaitable[Any]]


@dataclass
class ReconcileState:
    """What reconciliation did, for /metrics and the sync status."""

    passes: int = 0  # complete passes since start
    running: bool = False
    last_started_at: datetime | None = None
    last_completed_at: datetime | None = None
    last_checked: int = 0  # records compared by the last complete pass
    last_repaired: int = 0  # records it found different and wrote again
    last_error: str | None = None
    checked: dict[str, int] = field(default_factory=dict)  # per resource, since start
    repaired: dict[str, int] = field(default_factory=dict)  # per resource, since start


class Reconciler:
    def __init__(
        self,
        puller: Puller,
        ingestor: Ingest,
        bindings: tuple[EntityBinding, ...],
        clock: Callable[[], datetime],
        *,
        records_per_s: float,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.puller, self.ingestor, self.bindings, self.clock = puller, ingestor, bindings, clock
        self.records_per_s, self._sleep = records_per_s, sleep
        self.state = ReconcileState()

    async def run_pass(self) -> tuple[int, int]:
        """One complete pass over every resource; (records checked, records repaired)."""
        st = self.state
        st.running, st.last_started_at = True, self.clock()
        checked = repaired = 0
        try:
            for binding in self.bindings:
                c, r = await self._resource(binding)
                checked, repaired = checked + c, repaired + r
        except Exception as exc:  # the pass stops; the next one starts over
            st.last_error = f"{type(exc).__name__}: {exc}"
            raise
        finally:
            st.running = False
        st.passes += 1
        st.last_completed_at, st.last_checked, st.last_repaired = self.clock(), checked, repaired
        st.last_error = None
        if repaired:
            log.warning("reconcile_repaired", extra={"checked": checked, "repaired": repaired})
        return checked, repaired

    async def _resource(self, binding: EntityBinding) -> tuple[int, int]:
        resource, st = binding.resource, self.state
        seen: set[Any] = set()
        cursor: str | None = None
        page, checked, repaired = 1, 0, 0
        while True:
            items = await self.puller.fetch_page(resource, cursor, page)
            result = await self.ingestor.ingest(binding, items, reconciling=True)
            fresh = [i for i in items if _key(binding, i) not in seen]
            seen.update(_key(binding, i) for i in items)
            fixed = result.applied + result.unchanged
            checked, repaired = checked + len(fresh), repaired + fixed
            st.checked[resource] = st.checked.get(resource, 0) + len(fresh)
            st.repaired[resource] = st.repaired.get(resource, 0) + fixed
            if len(items) < self.puller.page_size:
                return checked, repaired
            newest = newest_stamp(items, self.puller.api.updated_field)
            if newest is not None and newest != cursor:
                cursor, page = newest, 1
            else:  # a whole page of one timestamp: the next page of the same cursor
                page += 1
            await self._sleep(len(items) / self.records_per_s)  # the upstream's budget

    async def run_forever(self, interval_s: float) -> None:
        """A pass every ``interval_s`` (the first one after ``interval_s``: start-up pulls).
        A failed pass is reported (state, log) and the next one comes after ``interval_s``:
        it must never end the service's other work."""
        while True:
            await self._sleep(interval_s)
            try:
                await self.run_pass()
            except (UpstreamError, PortError) as exc:  # upstream, store or log down
                log.warning("reconcile_failed", extra={"reason": repr(exc)})
            except Exception:  # a bug must show in the log, not end the service
                log.exception("reconcile_failed")


def _key(binding: EntityBinding, raw: Any) -> Any:
    return raw.get(binding.mapping.id_source) if isinstance(raw, dict) else id(raw)
