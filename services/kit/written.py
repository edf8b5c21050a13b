"""``rumah_events_written_total``: each event counted once, when the store confirmed its write.

Counted per event id, not per write call:

* a write the store confirmed counts its entries' ids (a retried write that carries the same
  ids — event ids derive from the document and its version — counts nothing more);
* a write whose answer never came (the store timed out, the connection broke) may or may not
  be stored: its ids wait, and count only if the relay later finds and publishes them (then
  they were stored). Before this, such an event reached the log and was never counted,
  while a retry that ran into it was judged a duplicate.

So, for one process and the events it writes, the total equals the distinct event ids it
put durably in the outbox — which the relay delivers to the log.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable

WINDOW = 200_000  # ids remembered for dedupe; a retry comes within seconds


class EventsWritten:
    def __init__(self, window: int = WINDOW) -> None:
        self.window = window
        self.by_resource: defaultdict[str, int] = defaultdict(int)
        self._counted: OrderedDict[str, None] = OrderedDict()
        self._unknown: OrderedDict[str, str] = OrderedDict()  # event id → resource

    def confirmed(self, resource: str, ids: Iterable[str]) -> None:
        """The store confirmed the write that carried these entries."""
        for event_id in ids:
            self._unknown.pop(event_id, None)
            if event_id in self._counted:
                continue
            self._counted[event_id] = None
            self.by_resource[resource] += 1
            if len(self._counted) > self.window:
                self._counted.popitem(last=False)

    def unknown(self, resource: str, ids: Iterable[str]) -> None:
        """The write carrying these entries got no answer: count them if they turn up."""
        for event_id in ids:
            if event_id not in self._counted:
                self._unknown[event_id] = resource
                if len(self._unknown) > self.window:
                    self._unknown.popitem(last=False)

    def relayed(self, ids: Iterable[str]) -> None:
        """The relay published these ids, read from the store: any still unknown was stored."""
        for event_id in ids:
            resource = self._unknown.pop(event_id, None)
            if resource is not None:
                self.confirmed(resource, (event_id,))

    @property
    def total(self) -> int:
        return sum(self.by_resource.values())
