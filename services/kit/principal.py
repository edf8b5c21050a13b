"""Who a subgraph request runs as, as the gateway's signed credential says.

Subgraphs decide two things from it themselves: the OPD filter (a principal with an
``opd`` reads only that OPD's records, wherever a record has an OPD) and the ledger's role
rules. Which fields a principal may ask for at all is decided by the gateway
(``@requiresScopes``) before the subgraph is called.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    opd: str | None = None  # set: only this OPD's records

    def may(self, scope: str) -> bool:
        return scope in self.scopes


# In-process callers (tests, tools that execute a schema directly): no OPD limit. The HTTP
# and WebSocket paths always carry the verified principal instead.
IN_PROCESS = Principal("in-process", frozenset({"auditor"}))
