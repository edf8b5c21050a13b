"""Who is asking, and what they may see.

The gateway authenticates bearer tokens and forwards the principal: headers
``X-Rumah-Role`` / ``X-Rumah-Opd`` over HTTP, ``{"rumahRole", "rumahOpd"}`` in the
``connection_init`` payload over WebSocket. Auditors read every entry; an integrator only
its own OPD's (the filter is forced); operators see the ledger's integrity (head,
checkpoints, verification) but not the entries. Without a principal the request counts as
an auditor only when ``RUMAH_LEDGER_TRUST_UNAUTHENTICATED`` is true (local development).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from graphql import GraphQLError

from services.ledger.query import Criteria

ROLES = ("auditor", "integrator", "operator")


@dataclass(frozen=True, slots=True)
class Principal:
    role: str
    opd: str | None = None


def denied(message: str, code: str = "FORBIDDEN") -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def principal_of(
    headers: Mapping[str, str], params: Mapping[str, Any] | None, *, trust_unauthenticated: bool
) -> Principal:
    """The principal of a request: the WebSocket ``connection_init`` payload first, else the
    headers; raises a coded ``GraphQLError`` when there is none (and none is trusted)."""
    if params and params.get("rumahRole"):
        role, opd = params.get("rumahRole"), params.get("rumahOpd")
    else:
        role, opd = headers.get("x-rumah-role"), headers.get("x-rumah-opd")
    if not role:
        if trust_unauthenticated:
            return Principal("auditor")
        raise denied("no principal: the ledger is reached through the gateway", "UNAUTHENTICATED")
    if role not in ROLES:
        raise denied(f"unknown role {role!r}")
    if role == "integrator" and not opd:
        raise denied("an integrator principal needs an OPD")
    return Principal(str(role), str(opd) if opd else None)


def scoped(criteria: Criteria, who: Principal) -> Criteria:
    """The criteria this principal may use for entries (integrators: their OPD only)."""
    if who.role == "auditor":
        return criteria
    if who.role == "integrator":
        if criteria.opd is not None and criteria.opd != who.opd:
            raise denied(f"an integrator of {who.opd} cannot read entries of {criteria.opd}")
        return dataclasses.replace(criteria, opd=who.opd)
    raise denied("operators see the ledger's integrity, not its entries")


def require_integrity_reader(who: Principal) -> None:
    if who.role not in ("auditor", "operator"):
        raise denied("verification is for auditors and operators")
