"""Shaping for incremental delivery (``@defer``/``@stream``, format ``deferSpec=20220824``).

``initial`` shapes the first payload without the deferred fragments and with the first
items of streamed lists, remembering where each deferred fragment applies (object, runtime
type, path) and the rest of each streamed list. ``deliver(id)`` — once the deferred
fragment's fetches have merged into the same result tree — shapes each place it applies
into one ``incremental`` entry ``{"data", "path", "label"?, "errors"?}``; null propagation
stops at the fragment (``data: null`` when a non-null field inside it is null). ``streams``
gives the remembered list rests as ``{"items", "path", "label"?}`` entries (all remaining
items in one entry: the subgraphs answered the whole list). Places whose parent ended up
null in an earlier payload are dropped: the client has nowhere to put them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from gateway.executor.shaping.selections import DeferMark
from gateway.executor.shaping.shape import (
    _BUBBLE,
    OperationShape,
    PathLink,
    _listed,
    _Shaper,
)
from gateway.executor.shaping.typeref import SchemaIndex

Entry = dict[str, Any]


class IncrementalShaping:
    def __init__(
        self, shape: OperationShape, index: SchemaIndex, variables: Mapping[str, Any]
    ) -> None:
        self.shape = shape
        self.index = index
        self.variables = variables
        # deferred places waiting for their fetches, by fragment id
        self.waiting: dict[int, list[tuple[DeferMark, Mapping[str, Any], str, PathLink]]] = {}
        self.streamed: list[Entry] = []

    def initial(
        self,
        data: Mapping[str, Any],
        execution_errors: Sequence[dict[str, Any]],
        introspection: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The first payload's ``data`` (None when a null reached the root) and errors."""
        shaper = self._shaper(execution_errors, introspection or {})
        out = shaper.object(data, self.shape.root, self.shape.root_type, None)
        shaped = None if out is _BUBBLE else out
        self._remember(shaper, shaped)
        return shaped, shaper.errors

    def waiting_ids(self) -> set[int]:
        return {ident for ident, places in self.waiting.items() if places}

    def deliver(self, ident: int, execution_errors: Sequence[dict[str, Any]]) -> list[Entry]:
        """One entry per place the deferred fragment ``ident`` applies to (its fetches done);
        ``execution_errors``: those of its fetches, each given to the entry it concerns."""
        places = self.waiting.pop(ident, [])
        if not places:
            return []
        entries: list[Entry] = []
        shaper = self._shaper(execution_errors, {})
        for defer, obj, runtime, link in places:
            shaper.errors = []
            out = shaper.object(obj, defer.plan, runtime, link)
            entry: Entry = {"data": None if out is _BUBBLE else out, "path": _listed(link)}
            if defer.label is not None:
                entry["label"] = defer.label
            if shaper.errors:
                entry["errors"] = shaper.errors
            entries.append(entry)
            self._remember(shaper, entry["data"], _listed(link))
            shaper.deferred, shaper.streamed = [], []
        _assign_errors(entries, execution_errors)
        return entries

    def streams(self) -> list[Entry]:
        """The rests of the streamed lists met so far (each in one entry)."""
        found, self.streamed = self.streamed, []
        return found

    # ------------------------------------------------------------------ internals
    def _shaper(
        self, execution_errors: Sequence[dict[str, Any]], introspection: Mapping[str, Any]
    ) -> _Shaper:
        return _Shaper(
            self.shape,
            self.index,
            self.variables,
            execution_errors,
            introspection,
            incremental=True,
        )

    def _remember(self, shaper: _Shaper, shaped: Any, at: list[Any] | None = None) -> None:
        """Keep what ``shaper`` met, where the payload just shaped (``shaped``, placed at
        ``at``) still holds an object (deferred places) or a list (streamed rests)."""
        base = at or []
        for defer, obj, runtime, link in shaper.deferred:
            if isinstance(_at(shaped, _listed(link)[len(base) :]), dict):
                self.waiting.setdefault(defer.id, []).append((defer, obj, runtime, link))
        for stream, path, count, items in shaper.streamed:
            if isinstance(_at(shaped, path[len(base) :]), list):
                entry: Entry = {"items": items, "path": [*path, count]}
                if stream.label is not None:
                    entry["label"] = stream.label
                self.streamed.append(entry)


def _at(data: Any, path: Sequence[Any]) -> Any:
    for key in path:
        if isinstance(key, int):
            if not isinstance(data, list) or key >= len(data):
                return None
        elif not isinstance(data, dict):
            return None
        data = data[key] if isinstance(key, int) else data.get(key)
    return data


def _assign_errors(entries: list[Entry], errors: Sequence[dict[str, Any]]) -> None:
    """Each execution error to the entry whose path leads to it (the longest such path); one
    without a path (a failed fetch) to the first entry."""
    for error in errors:
        path = error.get("path")
        target = entries[0] if entries else None
        if path is not None:
            best = -1
            for entry in entries:
                prefix = entry["path"]
                if len(prefix) > best and list(path[: len(prefix)]) == prefix:
                    target, best = entry, len(prefix)
        if target is not None:
            target.setdefault("errors", []).append(error)
