"""Who read what: one access record per GraphQL request, kept like X-Road's message log.

A record (``schemas/events/id.go.serdangbedagaikab.gateway.access.recorded.schema.json``)
names the principal (subject, issuer, roles, OPD), the operation (name, type, SHA-256 of
its text), the subgraphs its plan touches, the top-level fields with their arguments, the
entities the response carries (``Type:key`` for every object of an entity type whose key
fields were selected, e.g. ``Employee:199001012015031001``), the outcome and the time.

``AccessRecorder`` keeps records in a bounded buffer and hands them in batches to a sink
(Rumah's writes them to the event log, where the ledger chains them). **Nothing is served
unrecorded**: when the buffer is full — the log has been down long enough — ``submit``
says no and the request is answered 503 instead of with data. A record waits at most
``interval_s`` in memory before the sink is asked to make it durable; the sink is retried
with backoff until it succeeds, and stopping drains the buffer (bounded wait).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Any, Protocol

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLNamedType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    NamedTypeNode,
    OperationDefinitionNode,
    SelectionSetNode,
    get_named_type,
    value_from_ast_untyped,
)

from gateway import plan as p
from gateway.auth.principal import Principal
from gateway.link import read_links

log = logging.getLogger("gateway.access")

MAX_ENTITIES = 1000
JOIN = "https://specs.apollo.dev/join"


class RecordSink(Protocol):
    async def write(self, records: Sequence[Mapping[str, Any]]) -> None:
        """Make ``records`` durable (raise when it cannot: they are retried)."""
        ...


# Opens the sink the records go to, given the topic prefix. The gateway knows no event log:
# the process that starts it (``rumah gateway serve``) installs Rumah's (``rumah.access_sink``).
SinkOpener = Callable[[str], AbstractAsyncContextManager[RecordSink]]
_sink_opener: SinkOpener | None = None


def use_sink_opener(opener: SinkOpener | None) -> None:
    """Install (``None``: remove) how ``RUMAH_GATEWAY_ACCESS_RECORDS=eventlog`` opens its sink."""
    global _sink_opener
    _sink_opener = opener


def sink_opener() -> SinkOpener | None:
    return _sink_opener


class AccessRecorder:
    """``capacity`` records at most wait; ``batch`` go to the sink at once, at most
    ``interval_s`` after the first of them arrived."""

    def __init__(
        self, sink: RecordSink, *, capacity: int = 10_000, batch: int = 500, interval_s: float = 0.2
    ) -> None:
        self.sink, self.capacity, self.batch, self.interval_s = sink, capacity, batch, interval_s
        self._pending: deque[Mapping[str, Any]] = deque()
        self._wake = asyncio.Event()
        self.written = self.refused = self.failures = 0

    @property
    def pending(self) -> int:
        return len(self._pending)

    def submit(self, record: Mapping[str, Any]) -> bool:
        """Queue ``record``; False (and nothing queued) when the buffer is full."""
        if len(self._pending) >= self.capacity:
            self.refused += 1
            return False
        self._pending.append(record)
        if len(self._pending) >= self.batch:
            self._wake.set()
        return True

    async def run(self) -> None:
        """Write batches until cancelled; then drain what is left (a bounded wait)."""
        backoff = 0.2
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.interval_s)
                self._wake.clear()
                while self._pending:
                    if await self._flush():
                        backoff = 0.2
                    else:
                        await asyncio.sleep(backoff)
                        backoff = min(5.0, backoff * 2)
        except asyncio.CancelledError:
            await self.drain(10.0)
            raise

    async def drain(self, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while self._pending and time.monotonic() < deadline:
            if not await self._flush():
                await asyncio.sleep(0.2)
        if self._pending:
            log.error("gateway.access_records_unwritten", extra={"records": len(self._pending)})

    async def _flush(self) -> bool:
        batch = [self._pending[i] for i in range(min(self.batch, len(self._pending)))]
        try:
            await self.sink.write(batch)
        except Exception as exc:  # noqa: BLE001 - the log is down: keep them, retry
            self.failures += 1
            extra = {"error": repr(exc), "pending": self.pending}
            log.warning("gateway.access_records_write_failed", extra=extra)
            return False
        for _ in batch:
            self._pending.popleft()
        self.written += len(batch)
        return True


# --------------------------------------------------------------------------- what to record
def entity_keys(schema: GraphQLSchema) -> dict[str, tuple[str, ...]]:
    """Entity type → its (first simple) key's fields, from the supergraph's ``@join__type``."""
    nodes = [schema.ast_node, *schema.extension_ast_nodes]
    schema_nodes = [n for n in nodes if n is not None]
    if not schema_nodes:
        return {}
    join = read_links(schema_nodes).get(JOIN)  # type: ignore[arg-type]
    if join is None:
        return {}
    directive = join.directive_name("type")
    keys: dict[str, tuple[str, ...]] = {}
    for named in schema.type_map.values():
        if not isinstance(named, GraphQLObjectType) or named.ast_node is None:
            continue
        for d in named.ast_node.directives or ():
            if d.name.value != directive:
                continue
            for arg in d.arguments or ():
                if arg.name.value == "key":
                    fields = str(value_from_ast_untyped(arg.value)).split()
                    if fields and all(f.isidentifier() for f in fields):
                        keys.setdefault(named.name, tuple(fields))
    return keys


def plan_services(node: p.PlanNode | None) -> list[str]:
    """Every subgraph a plan may call, in plan order."""
    found: dict[str, None] = {}

    def walk(n: p.PlanNode | None) -> None:
        if n is None:
            return
        if isinstance(n, p.FetchNode):
            found[n.service] = None
        elif isinstance(n, p.FlattenNode):
            walk(n.node)
        elif isinstance(n, p.SequenceNode | p.ParallelNode):
            for child in n.nodes:
                walk(child)
        elif isinstance(n, p.ConditionNode):
            walk(n.if_clause)
            walk(n.else_clause)
        elif isinstance(n, p.SubscriptionNode):
            walk(n.primary)
            walk(n.rest)

    walk(node)
    return list(found)


def root_fields(
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    variables: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The operation's top-level fields with their argument values (variables applied)."""
    out: list[dict[str, Any]] = []

    def walk(selection_set: SelectionSetNode) -> None:
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                if s.name.value.startswith("__"):
                    continue
                entry: dict[str, Any] = {"field": s.name.value}
                if s.alias is not None:
                    entry["alias"] = s.alias.value
                if s.arguments:
                    entry["arguments"] = {
                        a.name.value: _json_safe(value_from_ast_untyped(a.value, dict(variables)))
                        for a in s.arguments
                    }
                out.append(entry)
            elif isinstance(s, InlineFragmentNode):
                walk(s.selection_set)
            elif isinstance(s, FragmentSpreadNode) and s.name.value in fragments:
                walk(fragments[s.name.value].selection_set)

    walk(operation.selection_set)
    return out


def _json_safe(value: Any) -> Any:
    """``value`` as the event log can carry it (an integer beyond 64 bits becomes text)."""
    if isinstance(value, bool) or value is None or isinstance(value, float | str):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**64 else str(value)
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return str(value)


def entities(
    schema: GraphQLSchema,
    keys: Mapping[str, tuple[str, ...]],
    operation: OperationDefinitionNode,
    fragments: Mapping[str, FragmentDefinitionNode],
    data: Any,
) -> tuple[list[str], bool]:
    """``Type:key`` of each entity object in ``data`` whose key fields were selected; and
    whether the list was cut at ``MAX_ENTITIES``."""
    found: dict[str, None] = {}
    root = schema.get_root_type(operation.operation)
    if root is None or not isinstance(data, dict) or not keys:
        return [], False

    def fields_of(
        selection_set: SelectionSetNode, parent: GraphQLNamedType, typename: str | None
    ) -> Iterator[FieldNode]:
        for s in selection_set.selections:
            if isinstance(s, FieldNode):
                yield s
            else:
                condition: NamedTypeNode | None
                if isinstance(s, FragmentSpreadNode):
                    fragment = fragments.get(s.name.value)
                    if fragment is None:
                        continue
                    condition, inner = fragment.type_condition, fragment.selection_set
                elif isinstance(s, InlineFragmentNode):
                    condition, inner = s.type_condition, s.selection_set
                else:
                    continue
                name = condition.name.value if condition is not None else None
                if name is None or name == parent.name or name == typename or typename is None:
                    yield from fields_of(inner, parent, typename)

    def visit(value: Any, selection_set: SelectionSetNode, parent: GraphQLNamedType) -> None:
        if len(found) >= MAX_ENTITIES:
            return
        if isinstance(value, list):
            for item in value:
                visit(item, selection_set, parent)
            return
        if not isinstance(value, dict):
            return
        raw = parent.name if isinstance(parent, GraphQLObjectType) else value.get("__typename")
        typename = raw if isinstance(raw, str) else None
        concrete = schema.get_type(typename) if typename else parent
        selected: dict[str, Any] = {}
        for node in fields_of(selection_set, parent, typename):
            key = (node.alias or node.name).value
            if key not in value:
                continue
            selected.setdefault(node.name.value, value[key])
            owner = concrete if isinstance(concrete, GraphQLObjectType) else parent
            definition = getattr(owner, "fields", {}).get(node.name.value)
            if node.selection_set is not None and definition is not None:
                visit(value[key], node.selection_set, get_named_type(definition.type))
        if typename is not None and typename in keys:
            wanted = keys[typename]
            if all(selected.get(f) is not None for f in wanted):
                found[f"{typename}:{','.join(str(selected[f]) for f in wanted)}"] = None

    visit(data, operation.selection_set, root)
    return list(found)[:MAX_ENTITIES], len(found) >= MAX_ENTITIES


def operation_hash(query: str | None) -> str | None:
    return hashlib.sha256(query.encode()).hexdigest() if query else None


def persisted_hash(extensions: Mapping[str, Any] | None) -> str | None:
    """The SHA-256 a persisted-query request names (the same hash as ``operation_hash`` of
    its text), when it is well formed: a refused or unknown one is recorded by it."""
    found = (extensions or {}).get("persistedQuery") if isinstance(extensions, Mapping) else None
    digest = found.get("sha256Hash") if isinstance(found, Mapping) else None
    if isinstance(digest, str) and len(digest) == 64:
        try:
            int(digest, 16)
        except ValueError:
            return None
        return digest.lower()
    return None


def new_record(principal: Principal | None, client: str | None) -> dict[str, Any]:
    """The parts of a record known before the request runs."""
    who: dict[str, Any] = {"subject": "anonymous", "issuer": None, "roles": [], "opd": None}
    if principal is not None:
        who = {
            "subject": principal.subject,
            "issuer": principal.issuer,
            "roles": sorted(principal.roles),
            "opd": principal.opd,
        }
        if principal.name:
            who["name"] = principal.name
    return {
        "id": str(uuid.uuid4()),
        "time": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "principal": who,
        "client": client,
    }


class Describer:
    """Fills a record from a finished request (entity keys read once per supergraph)."""

    def __init__(self) -> None:
        self._keys: tuple[str, dict[str, tuple[str, ...]]] = ("", {})

    def keys(self, state: Any) -> dict[str, tuple[str, ...]]:
        digest = state.supergraph.sdl_hash
        if self._keys[0] != digest:
            self._keys = (digest, entity_keys(state.supergraph.supergraph_schema))
        return self._keys[1]

    def describe(
        self,
        record: dict[str, Any],
        state: Any,
        query: str | None,
        outcome: str,
        status: int,
        body: Mapping[str, Any] | None = None,
        admitted: Any = None,
        read: Sequence[str] = (),
        extensions: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Fill ``record``; ``read``: the entities the plan fetched the keys of
        (``gateway.request.record_keys``), recorded with those the response shows."""
        # the text that ran (a persisted query's once resolved), else what the client named
        text = getattr(admitted, "query", None) or query
        record["operation"] = {
            "hash": operation_hash(text) or persisted_hash(extensions),
            "name": None,
            "type": None,
        }
        record["outcome"], record["status"] = outcome, status
        record["subgraphs"], record["fields"], record["entities"] = [], [], []
        if body is not None:
            errors = body.get("errors") or ()
            record["unauthorized"] = sum(
                1
                for e in errors
                if isinstance(e, dict)
                and (e.get("extensions") or {}).get("code") == "UNAUTHORIZED_FIELD_OR_TYPE"
            )
        prepared = getattr(admitted, "prepared", None)
        if prepared is None or prepared.document is None or state is None:
            return record
        operation = next(
            (
                d
                for d in prepared.document.definitions
                if isinstance(d, OperationDefinitionNode)
                and (d.name.value if d.name else None) == prepared.operation_name
            ),
            None,
        )
        if operation is None:
            return record
        fragments = {
            d.name.value: d
            for d in prepared.document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }
        record["operation"].update(name=prepared.operation_name, type=prepared.kind)
        record["subgraphs"] = plan_services(prepared.plan.node if prepared.plan else None)
        record["fields"] = root_fields(operation, fragments, admitted.variables)
        if body is not None and body.get("data"):
            found, cut = entities(
                state.supergraph.api_schema, self.keys(state), operation, fragments, body["data"]
            )
            record["entities"] = found
            if cut:
                record["entitiesTruncated"] = True
        if read:
            merged = dict.fromkeys([*record["entities"], *read])
            record["entities"] = list(merged)[:MAX_ENTITIES]
            if len(merged) > MAX_ENTITIES or len(read) >= MAX_ENTITIES:
                record["entitiesTruncated"] = True
        return record
