"""Trusted documents: in safelist mode only operations registered in a persisted-query
manifest run (``RUMAH_GATEWAY_SAFELIST``), as Apollo's persisted-query safelisting does.

A client sends the operation's SHA-256 in ``extensions.persistedQuery.sha256Hash`` (no
``query``: the gateway takes the registered text), or a full ``query`` whose SHA-256 is
registered; anything else is refused with ``PERSISTED_QUERY_NOT_IN_LIST``. Nothing can be
registered at run time (automatic persisted queries are off in this mode).

The manifest is Apollo's ``apollo-persisted-query-manifest`` (``{"format": …, "version": 1,
"operations": [{"id": "<sha256>", "body": "…", "name": …, "type": …}]}``) or a plain
``{"<sha256>": "<query>"}``; every id is checked against its body when loading.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gateway.request.persisted import PersistedQueryError

NOT_IN_LIST = {
    "message": "This operation is not in the list of trusted documents.",
    "extensions": {"code": "PERSISTED_QUERY_NOT_IN_LIST"},
}


class SafelistError(ValueError):
    """The manifest cannot be used (the message names the problem, not a query)."""


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class Safelist:
    always = True  # consulted for every request, not only those with extensions

    def __init__(self, operations: Mapping[str, str]) -> None:
        self.operations = dict(operations)

    def __len__(self) -> int:
        return len(self.operations)

    @classmethod
    def from_file(cls, path: str | Path) -> Safelist:
        try:
            data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise SafelistError(f"RUMAH_GATEWAY_SAFELIST: cannot read it: {exc.strerror}") from None
        except json.JSONDecodeError as exc:
            raise SafelistError(f"RUMAH_GATEWAY_SAFELIST: not JSON (line {exc.lineno})") from None
        if isinstance(data, dict) and data.get("format") == "apollo-persisted-query-manifest":
            entries = [(o.get("id"), o.get("body")) for o in data.get("operations") or []]
        elif isinstance(data, dict):
            entries = list(data.items())
        else:
            raise SafelistError("RUMAH_GATEWAY_SAFELIST: expected a manifest object")
        operations: dict[str, str] = {}
        for position, (digest, body) in enumerate(entries, start=1):
            if not isinstance(digest, str) or not isinstance(body, str):
                raise SafelistError(f"RUMAH_GATEWAY_SAFELIST: operation {position} is malformed")
            if _digest(body) != digest.lower():
                raise SafelistError(
                    f"RUMAH_GATEWAY_SAFELIST: operation {position}: its id is not its SHA-256"
                )
            operations[digest.lower()] = body
        if not operations:
            raise SafelistError("RUMAH_GATEWAY_SAFELIST: the manifest holds no operation")
        return cls(operations)

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str:
        """The registered text to run; ``PersistedQueryError`` for anything else."""
        persisted = extensions.get("persistedQuery") if extensions else None
        if query is None:
            digest = persisted.get("sha256Hash") if isinstance(persisted, Mapping) else None
            found = self.operations.get(digest.lower()) if isinstance(digest, str) else None
        else:
            found = query if _digest(query) in self.operations else None
        if found is None:
            raise PersistedQueryError(NOT_IN_LIST, 400)
        return found
