"""Single-writer mode (FerretDB): a write whose answer never came must not land over a later one.

FerretDB executes a request it has received even when the client gave up on it: a write
that timed out (engine slow or frozen) can be applied seconds later — after the service,
having read the old state, wrote the same document again. On FerretDB the update filters by
``_id`` alone (see ``mongo``), so nothing stops that late write: the document goes back to
the older state (and its outbox entries share event ids with the later write's). That is
how an approval could be lost while the engine was timing out.

So every write stamps the document with a token (``_t``), and a write of unknown outcome
makes its document a *suspect*: the next write to it first reads the document.

* token there → the late write landed: the caller's version is stale, it re-reads and
  judges again (a ``VersionConflict``), as after any concurrent write;
* token not there → it may still land: writes to the document are refused
  (``StoreUnavailable``, so the caller retries later) until the engine has answered for
  ``settle_s`` seconds without it landing — longer than FerretDB's own SQLite busy timeout
  (10 s), after which a request it was still holding has failed. The clock starts only
  once the engine answers again: a frozen engine holds requests for as long as it is
  frozen.

Writes also wait long for their answer (``write_timeout_s``), so unknown outcomes need an
engine stalled for that long in the first place. MongoDB itself needs none of this: its
update filter carries the version, so a late write matches nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

TOKEN_FIELD = "_t"
SETTLE_S = 15.0


@dataclass(slots=True)
class _Suspect:
    token: str
    clear_at: float | None = None  # set once the engine answered without the token


class WriteFence:
    def __init__(
        self, writer: str, settle_s: float = SETTLE_S, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._writer, self._next = writer, 0
        self.settle_s, self._clock = settle_s, clock
        self._suspects: dict[tuple[str, str], _Suspect] = {}

    def token(self) -> str:
        """A token no other write of this or any other process carries."""
        self._next += 1
        return f"{self._writer}.{self._next}"

    def suspect(self, collection: str, doc_id: str, token: str) -> None:
        """The write that carried ``token`` got no answer: it may still be applied."""
        self._suspects[(collection, doc_id)] = _Suspect(token)

    def is_suspect(self, collection: str, doc_id: str) -> bool:
        return (collection, doc_id) in self._suspects

    def observe(self, collection: str, doc_id: str, stored_token: str | None) -> bool:
        """What the engine holds now (``stored_token`` of a fresh read); True when the
        document may be written again."""
        key = (collection, doc_id)
        s = self._suspects.get(key)
        if s is None:
            return True
        now = self._clock()
        if stored_token == s.token:  # it landed: nothing more can come
            del self._suspects[key]
            return True
        if s.clear_at is None:
            s.clear_at = now + self.settle_s
        if now >= s.clear_at:  # the engine answered for settle_s without it: it never will
            del self._suspects[key]
            return True
        return False

    @property
    def suspects(self) -> int:
        return len(self._suspects)
