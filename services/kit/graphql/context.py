"""The per-request GraphQL context: the runtime plus DataLoaders that live one request.

Strawberry's ``_entities`` resolver calls ``resolve_reference`` once per representation;
resolving through ``ctx.docs(collection).load(id)`` turns a batch of N references into one
store ``get_many`` — and so do list fields that resolve a reference per item.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Any

from strawberry.dataloader import DataLoader

from services.kit.cursors import CursorSeal, SealedCursors
from services.kit.engine_gate import EngineGate
from services.kit.opd_scope import OpdView, opd_field_of
from services.kit.ports import Collection, Document
from services.kit.principal import IN_PROCESS, Principal
from services.kit.runtime import ServiceRuntime

LoadFn = Callable[[Sequence[Any]], Awaitable[Sequence[Any]]]


class RequestContext:
    def __init__(
        self,
        runtime: ServiceRuntime,
        principal: Principal = IN_PROCESS,
        cursors: CursorSeal | None = None,
    ) -> None:
        self.runtime = runtime
        self.principal = principal  # verified from the gateway's credential (HTTP, WebSocket)
        self.cursors = cursors or _process_seal(runtime.spec.name)
        self._loaders: dict[Hashable, DataLoader[Any, Any]] = {}

    @property
    def engine_gate(self) -> EngineGate | None:
        """Outages of the store and the log (for ``UNAVAILABLE`` errors)."""
        return self.runtime.gate

    def loader(self, key: Hashable, load_fn: LoadFn) -> DataLoader[Any, Any]:
        """The request's DataLoader called ``key`` (created on first use)."""
        found = self._loaders.get(key)
        if found is None:
            found = self._loaders[key] = DataLoader(load_fn=load_fn)
        return found

    def collection(self, name: str) -> SealedCursors:
        """The collection as this principal may read it: limited to its OPD's records when
        it has one (``services.kit.opd_scope``), whole otherwise; read-only, with sealed
        page cursors (``services.kit.cursors``)."""
        coll: Collection | OpdView = self.runtime.collection(name)
        opd = self.principal.opd
        if opd is not None:
            spec = self.runtime.spec
            coll = OpdView(coll, opd_field_of(spec, name), opd, spec.opd)
        return SealedCursors(coll, self.cursors)

    def docs(self, collection: str) -> DataLoader[str, Document | None]:
        """Load documents of ``collection`` by id, batched per request."""
        coll = self.collection(collection)

        async def load(ids: Sequence[str]) -> list[Document | None]:
            found = await coll.get_many(list(ids))
            return [found.get(i) for i in ids]

        return self.loader(("docs", collection), load)


_SEALS: dict[str, CursorSeal] = {}


def _process_seal(service: str) -> CursorSeal:
    """The service's seal from the settings, made once per process."""
    found = _SEALS.get(service)
    if found is None:
        found = _SEALS[service] = CursorSeal.from_settings(service)
    return found
