"""Automatic persisted queries (Apollo's APQ protocol, ``extensions.persistedQuery``).

A client may send only ``sha256Hash``; if the gateway has seen that query it runs it, else it
answers ``PERSISTED_QUERY_NOT_FOUND`` and the client retries with the full text, which is
checked against the hash and remembered (bounded LRU, kept across supergraph reloads).
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

NOT_FOUND = {
    "message": "PersistedQueryNotFound",
    "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
}


class PersistedQueryError(Exception):
    def __init__(self, error: dict[str, Any], status: int) -> None:
        super().__init__(error["message"])
        self.error, self.status = error, status


class PersistedQueries:
    def __init__(self, capacity: int = 10_000) -> None:
        self.capacity = capacity
        self._queries: OrderedDict[str, str] = OrderedDict()

    def resolve(self, query: str | None, extensions: Mapping[str, Any] | None) -> str | None:
        """The query text to run; raises ``PersistedQueryError`` for APQ misses and mismatches."""
        persisted = extensions.get("persistedQuery") if extensions else None
        if persisted is None:
            return query
        if not isinstance(persisted, Mapping) or persisted.get("version") != 1:
            raise PersistedQueryError(
                {
                    "message": "Unsupported persisted query version",
                    "extensions": {"code": "PERSISTED_QUERY_NOT_SUPPORTED"},
                },
                400,
            )
        digest = persisted.get("sha256Hash")
        if not isinstance(digest, str):
            raise PersistedQueryError(
                {"message": "sha256Hash must be a string", "extensions": {"code": "BAD_REQUEST"}},
                400,
            )
        digest = digest.lower()
        if query is None:
            found = self._queries.get(digest)
            if found is None:
                raise PersistedQueryError(NOT_FOUND, 200)
            self._queries.move_to_end(digest)
            return found
        if hashlib.sha256(query.encode()).hexdigest() != digest:
            raise PersistedQueryError(
                {
                    "message": "provided sha does not match query",
                    "extensions": {"code": "BAD_REQUEST"},
                },
                400,
            )
        self._queries[digest] = query
        self._queries.move_to_end(digest)
        if len(self._queries) > self.capacity:
            self._queries.popitem(last=False)
        return query
