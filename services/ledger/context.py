"""The per-request (per-WebSocket-connection) GraphQL context of the ledger subgraph."""

from __future__ import annotations

from typing import TYPE_CHECKING

import strawberry

from services.kit.principal import Principal
from services.ledger.access import denied
from services.ledger.settings import LedgerSettings

if TYPE_CHECKING:
    from services.kit.engine_gate import EngineGate
    from services.ledger.core import Ledger


class LedgerHolder:
    """Set by the lifespan once the ledger is prepared (the store may be down at start)."""

    ledger: Ledger | None = None
    gate: EngineGate | None = None  # outages of the store and the log


class LedgerContext:
    def __init__(
        self, holder: LedgerHolder, settings: LedgerSettings, principal: Principal
    ) -> None:
        self._holder, self.settings = holder, settings
        self.principal = principal  # verified from the gateway's credential by the guard
        # a subscription event's trace context, sent with its ``next`` (tracing on)
        self.trace_next: dict[str, str] | None = None

    @property
    def engine_gate(self) -> EngineGate | None:
        return self._holder.gate

    @property
    def ledger(self) -> Ledger:
        if self._holder.ledger is None:
            from services.kit.engine_gate import EngineDown

            gate = self._holder.gate
            outage = gate.outage("store") if gate else None
            if outage is not None:
                raise EngineDown(outage)  # coded UNAVAILABLE with the engine and since when
            raise denied("the ledger is starting (store not reachable yet)", "UNAVAILABLE")
        return self._holder.ledger


Info = strawberry.Info[LedgerContext, None]
