"""Walk a query plan, fetching from subgraphs and merging into one result tree.

``Sequence`` runs in order, ``Parallel`` concurrently (one event loop, no locks: merges happen
between awaits), ``Condition`` on coerced variables. A failed fetch records one error and
never cancels siblings; fetches that depend on it simply find fewer targets.
"""

from __future__ import annotations

import asyncio
import copy
import functools
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from gateway.executor import errors as err
from gateway.executor.contexts import context_batches
from gateway.executor.flatten import Target, collect_targets, listed
from gateway.executor.merge import deep_merge
from gateway.executor.relations import TypeRelations
from gateway.executor.representations import RequiresCache, build_representations, requires_for
from gateway.executor.rewrites import apply_rewrites
from gateway.plan import (
    ConditionNode,
    DeferNode,
    FetchNode,
    FlattenNode,
    ParallelNode,
    PlanNode,
    SequenceNode,
)
from gateway.ports import SubgraphFetcher, SubgraphFetchError, SubgraphRequest

log = logging.getLogger("gateway.executor")


@dataclass(slots=True)
class Execution:
    """Everything one plan execution reads and writes."""

    fetcher: SubgraphFetcher
    relations: TypeRelations  # supergraph relations (requires, rewrites, flatten conditions)
    variables: Mapping[str, Any]  # coerced: decides Condition nodes
    forwarded: Mapping[str, Any]  # values sent to subgraphs (as the client sent them)
    headers: Mapping[str, str] | None = None
    principal: Any = None  # passed to every fetch (``gateway.auth`` signs its credential)
    data: dict[str, Any] = field(default_factory=dict)
    errors: list[err.ErrorDict] = field(default_factory=list)
    # compiled ``requires`` evaluators; pass a long-lived dict to reuse them across requests
    evaluators: RequiresCache = field(default_factory=dict)
    # the compiled hot loops (gateway.executor.native.load_kernel) or None: the reference modules
    kernel: ModuleType | None = None
    # its subgraph requests may share identical in-flight ones (the client sent a query)
    shareable: bool = False
    # targets of the paths walked, while no merge has changed what they reach (``_targets``)
    walked: dict[tuple[str, ...], list[Target]] = field(default_factory=dict)


async def execute_plan(node: PlanNode | None, execution: Execution) -> Execution:
    """Run ``node`` into ``execution.data`` / ``execution.errors``; never raises for fetch
    failures (they become errors)."""
    if node is not None:
        await _run(node, execution)
    return execution


async def _run(node: PlanNode, ex: Execution) -> None:
    kind = type(node)
    if kind is FetchNode:
        await _fetch(node, None, ex)  # type: ignore[arg-type]
    elif kind is FlattenNode:
        await _fetch(node.node, node.path, ex)  # type: ignore[union-attr]
    elif kind is SequenceNode:
        for child in node.nodes:  # type: ignore[union-attr]
            await _run(child, ex)
    elif kind is ParallelNode:
        await asyncio.gather(*(_run(child, ex) for child in node.nodes))  # type: ignore[union-attr]
    elif kind is ConditionNode:
        assert isinstance(node, ConditionNode)
        branch = node.if_clause if ex.variables.get(node.condition) is True else node.else_clause
        if branch is not None:
            await _run(branch, ex)
    elif kind is DeferNode:
        # all at once (no incremental delivery): the primary, then every deferred part
        assert isinstance(node, DeferNode)
        if node.primary is not None:
            await _run(node.primary, ex)
        await asyncio.gather(*(_run(d.node, ex) for d in node.deferred if d.node is not None))
    else:
        raise TypeError(f"plan node {kind.__name__} cannot run in a query execution")


async def _fetch(fetch: FetchNode, path: tuple[str, ...] | None, ex: Execution) -> None:
    try:
        if fetch.requires is None:
            await _root_fetch(fetch, path, ex)
        else:
            await _entity_fetch(fetch, path or (), ex)
    except SubgraphFetchError as exc:
        ex.errors.append(err.fetch_failed(fetch.service, str(exc), exc.code, path))
    except Exception:  # noqa: BLE001 - one broken fetch must not fail the whole request
        log.exception("executor.fetch_crashed", extra={"service": fetch.service})
        ex.errors.append(
            err.fetch_failed(
                fetch.service,
                f'Error while fetching subquery from service "{fetch.service}"',
                "INTERNAL_SERVER_ERROR",
                path,
            )
        )


def _variables(fetch: FetchNode, ex: Execution) -> dict[str, Any]:
    forwarded = ex.forwarded
    return {name: forwarded[name] for name in fetch.variable_usages if name in forwarded}


async def _send(fetch: FetchNode, variables: dict[str, Any], ex: Execution) -> Mapping[str, Any]:
    request = SubgraphRequest(
        service=fetch.service,
        query=fetch.operation,
        operation_name=fetch.operation_name,
        variables=variables or None,
        headers=ex.headers,
        principal=ex.principal,
        shareable=ex.shareable,
    )
    return await ex.fetcher.fetch(request)


def _subgraph_errors(response: Mapping[str, Any], service: str) -> list[err.ErrorDict]:
    raw = response.get("errors")
    if not raw:
        return []
    if not isinstance(raw, list):
        raw = [raw]
    return [err.from_subgraph(e, service) for e in raw]


async def _root_fetch(fetch: FetchNode, path: tuple[str, ...] | None, ex: Execution) -> None:
    if path is None:
        targets: list[Target] = [(ex.data, None)]
    else:
        targets = _targets(ex, path)
        if not targets:
            return
    response = await _send(fetch, _variables(fetch, ex), ex)
    errors = _subgraph_errors(response, fetch.service)
    if errors:
        prefix = listed(targets[0][1]) if len(targets) == 1 else None
        ex.errors.extend(err.prefix_paths(errors, prefix))
    data = response.get("data")
    if data is None:
        return
    if type(data) is not dict:
        raise SubgraphFetchError(
            fetch.service,
            f'Invalid "data" in response from subgraph "{fetch.service}"',
            err.INVALID_SUBGRAPH_RESPONSE,
        )
    if fetch.output_rewrites:
        apply_rewrites(data, fetch.output_rewrites, ex.relations)
    abstract = ex.relations.abstract
    if path is None:
        ex.walked.clear()
    else:
        _merging(ex, path, data.keys())
    if path is None and not ex.data:
        ex.data.update(data)
        return
    for index, (target, _) in enumerate(targets):
        # Each target needs its own copy: later fetches merge into targets independently.
        deep_merge(target, data if index == 0 else copy.deepcopy(data), abstract)


def _targets(ex: Execution, path: tuple[str, ...]) -> list[Target]:
    """The objects ``path`` reaches in ``ex.data``, walked again only when a merge may have
    changed what it reaches (``_merging``): the heavy query's plans walk several paths two or
    three times (entity fields from two subgraphs, one after the other)."""
    walked = ex.walked
    found = walked.get(path)
    if found is not None:
        return found
    if ex.kernel is None:
        targets = collect_targets(ex.data, path, ex.relations)
    else:
        targets = ex.kernel.collect_targets(ex.data, path, _possible(ex.relations))
    walked[path] = targets
    return targets


def _merging(ex: Execution, path: tuple[str, ...], keys: Iterable[str]) -> None:
    """Objects that ``path`` reaches are about to get ``keys`` (and what lies below them):
    forget the walks that may now reach other objects.

    A merge changes objects in place (never which objects a path reaches up to them), so a
    walk is affected only where it reads one of ``keys`` from those objects, or a
    ``__typename`` there (a type condition). Paths are compared by their keys alone: ``@``
    and type conditions only narrow what keys reach, and sub-objects shared by a merge are
    shared between places of one path."""
    walked = ex.walked
    if not walked:
        return
    written = set(keys)
    merged = _path_keys(path)
    depth = len(merged[0])
    for other in list(walked):
        other_keys, conditions = _path_keys(other)
        if other_keys[:depth] != merged[0]:
            continue
        if (depth < len(other_keys) and other_keys[depth] in written) or (
            "__typename" in written and any(level >= depth for level in conditions)
        ):
            del walked[other]


@functools.lru_cache(maxsize=4096)
def _path_keys(path: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """A flatten path's response keys, and for each type condition in it the number of keys
    before it (the depth of the objects it tests)."""
    keys: list[str] = []
    conditions: list[int] = []
    for element in path:
        if element == "@":
            continue
        if element.startswith("... on "):
            conditions.append(len(keys))
        else:
            keys.append(element)
    return tuple(keys), tuple(conditions)


def _possible(relations: TypeRelations) -> dict[str, frozenset[str]]:
    possible = relations.possible
    return possible if type(possible) is dict else dict(possible)


async def _entity_fetch(fetch: FetchNode, path: tuple[str, ...], ex: Execution) -> None:
    targets = _targets(ex, path)
    if not targets:
        return
    if not fetch.context_inputs:
        await _entity_batch(fetch, path, targets, None, ex)
        return
    # @fromContext arguments: one request per distinct set of values
    batches = context_batches(ex.data, targets, fetch.context_inputs, ex.relations)
    results = await asyncio.gather(
        *(_entity_batch(fetch, path, group, values, ex) for values, group in batches),
        return_exceptions=True,
    )
    for result in results:
        if isinstance(result, BaseException):
            raise result


async def _entity_batch(
    fetch: FetchNode,
    path: tuple[str, ...],
    targets: list[Target],
    context_values: dict[str, Any] | None,
    ex: Execution,
) -> None:
    assert fetch.requires is not None
    evaluate, flat = requires_for(ex.evaluators, fetch.requires, ex.relations)
    kernel = ex.kernel
    if kernel is not None and flat is not None and not fetch.input_rewrites:
        representations, owners = kernel.flat_representations(
            targets, flat, _possible(ex.relations)
        )
    else:
        representations, owners = build_representations(
            targets, fetch.requires, fetch.input_rewrites, ex.relations, evaluate
        )
    if not representations:
        return
    variables = _variables(fetch, ex)
    if context_values:
        variables.update(context_values)
    variables["representations"] = representations
    response = await _send(fetch, variables, ex)
    errors = _subgraph_errors(response, fetch.service)
    if errors:
        owner_paths = [[listed(t[1]) for t in group] for group in owners]
        ex.errors.extend(err.relocate_entity_errors(errors, owner_paths, path))
    data = response.get("data")
    if data is None:
        return
    entities = data.get("_entities") if type(data) is dict else None
    if type(entities) is not list or len(entities) != len(representations):
        raise SubgraphFetchError(
            fetch.service,
            f'Expected "data._entities" from subgraph "{fetch.service}" to be a list of '
            f"{len(representations)} elements",
            err.INVALID_SUBGRAPH_RESPONSE,
        )
    rewrites = fetch.output_rewrites
    abstract = ex.relations.abstract
    if rewrites:  # they may rename keys: no telling which
        ex.walked.clear()
    elif ex.walked:
        _merging(ex, path, {key for entity in entities if type(entity) is dict for key in entity})
    if kernel is not None and not rewrites:
        kernel.merge_entities(entities, owners, abstract)
        return
    for entity, rep, group in zip(entities, representations, owners, strict=True):
        if type(entity) is not dict:
            continue  # a null entity leaves its targets as they were
        if rewrites:
            apply_rewrites(entity, rewrites, ex.relations, rep.get("__typename"))
        for target, _ in group:
            # Targets of one representation are the same entity: sharing sub-objects is safe.
            deep_merge(target, entity, abstract)
