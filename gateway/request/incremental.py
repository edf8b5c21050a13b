"""Incremental delivery of one query (``@defer``/``@stream``): an async iterator of payloads
in the ``deferSpec=20220824`` format Apollo Router and Hive Gateway speak.

1. The plan's primary part runs (with any deferred part whose ``@defer(if: $v)`` is false
   this time: those are not deferred); the first payload is ``{"data", "errors"?,
   "hasNext"}``.
2. Each deferred part (``DeferredNode``) runs concurrently into the same result tree, with
   errors of its own; when one finishes, the places its fragment applies to are shaped into
   ``{"incremental": [{"data", "path", "label"?, "errors"?}, …], "hasNext"}``. Deferred parts
   nested in it start then.
3. The rests of streamed lists follow the payload that held their first items, as
   ``{"items", "path", "label"?}`` entries. Deferred fragments the planner could not plan
   apart (their data came with an earlier payload) are delivered right after it.
4. The last payload has ``"hasNext": false``.

A failed deferred fetch never touches what was delivered: its entries carry the errors (and
``data: null`` if a non-null field inside the fragment could not be completed). Closing the
iterator (the client went away) cancels the deferred work still running.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from dataclasses import replace
from typing import Any

from gateway.executor import Execution, execute_plan
from gateway.executor.shaping.incremental import Entry, IncrementalShaping
from gateway.plan import DeferNode, DeferredNode, PlanNode

Payload = dict[str, Any]


def _split(node: PlanNode | None) -> tuple[PlanNode | None, tuple[DeferredNode, ...]]:
    if isinstance(node, DeferNode):
        return node.primary, node.deferred
    return node, ()


def _planned(deferred: tuple[DeferredNode, ...], out: set[int]) -> set[int]:
    for d in deferred:
        out.add(d.id)
        _planned(_split(d.node)[1], out)
    return out


def _now_or_later(
    deferred: tuple[DeferredNode, ...], variables: Mapping[str, Any]
) -> tuple[list[PlanNode], list[DeferredNode]]:
    """Deferred parts not deferred this time (``if: $v`` false: their fetches run with the
    parent, and so do their own first steps), and those that are."""
    now: list[PlanNode] = []
    later: list[DeferredNode] = []
    for d in deferred:
        if d.if_variable is not None and variables.get(d.if_variable) is not True:
            primary, inner = _split(d.node)
            if primary is not None:
                now.append(primary)
            inner_now, inner_later = _now_or_later(inner, variables)
            now.extend(inner_now)
            later.extend(inner_later)
        else:
            later.append(d)
    return now, later


async def _run_all(nodes: list[PlanNode], execution: Execution) -> None:
    """One after the other: a part not deferred this time (``if: false``) reads the objects
    its parent's fetches bring (entity representations), so it runs after them, and so do
    the parts nested in it (``_now_or_later`` lists them parent first)."""
    for node in nodes:
        await execute_plan(node, execution)


async def incremental_payloads(
    node: PlanNode | None,
    execution: Execution,
    shaping: IncrementalShaping,
    introspection: Mapping[str, Any] | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> AsyncIterator[Payload]:
    """The payloads of one incremental response (see the module docstring)."""
    variables = execution.variables
    primary, deferred = _split(node)
    now, later = _now_or_later(deferred, variables)
    await _run_all([n for n in (primary, *now) if n is not None], execution)
    planned = _planned(deferred, set())
    data, errors = shaping.initial(execution.data, execution.errors, introspection)
    first: Payload = {"data": data}
    if errors:
        first["errors"] = errors
    if extensions:
        first["extensions"] = dict(extensions)
    if data is None:  # nothing to add to: a null reached the root
        first["hasNext"] = False
        yield first
        return

    done: set[int] = set()
    running: dict[asyncio.Task[list[Any]], DeferredNode] = {}

    def start(nodes: list[DeferredNode]) -> None:
        for d in nodes:
            running[asyncio.ensure_future(_deferred(d, execution))] = d

    def ready_now() -> list[Entry]:
        """Entries needing no more fetching: places of fragments planned with an earlier
        part (or already fetched) and the rests of streamed lists."""
        entries: list[Entry] = []
        while True:
            found = [i for i in sorted(shaping.waiting_ids()) if i not in planned or i in done]
            streamed = shaping.streams()
            if not found and not streamed:
                return entries
            entries.extend(streamed)
            for ident in found:
                entries.extend(shaping.deliver(ident, ()))

    start(later)
    try:
        pending = ready_now()
        first["hasNext"] = bool(running or pending)
        yield first
        while pending or running:
            entries = pending
            pending = []
            if running and not entries:
                finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                for task in sorted(finished, key=lambda t: running[t].id):
                    d = running.pop(task)
                    inner_errors, inner_deferred = task.result()
                    done.add(d.id)
                    entries.extend(shaping.deliver(d.id, inner_errors))
                    now_inner, later_inner = _now_or_later(inner_deferred, variables)
                    start(later_inner)
                entries.extend(ready_now())
            if not entries and running:
                continue  # nothing to say yet
            payload: Payload = {"hasNext": bool(running)}
            if entries:
                payload = {"incremental": entries, **payload}
            yield payload
    finally:
        for task in running:
            task.cancel()
        if running:
            await asyncio.gather(*running, return_exceptions=True)


async def _deferred(d: DeferredNode, parent: Execution) -> list[Any]:
    """Run a deferred part into the shared result tree with errors of its own: (its errors,
    the deferred parts nested in it)."""
    execution = replace(parent, errors=[])
    primary, inner = _split(d.node)
    variables = parent.variables
    now, _ = _now_or_later(inner, variables)
    await _run_all([n for n in (primary, *now) if n is not None], execution)
    return [execution.errors, inner]
