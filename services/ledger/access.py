"""Who is asking, and what they may see of the ledger.

The principal comes only from the gateway's signed credential, verified by the subgraph
guard (``services.kit.subgraph_auth``); there is no header to believe and no
unauthenticated default. Auditors read every entry; a principal with an OPD (an integrator)
only its own OPD's (the filter is forced); operators see the ledger's integrity (head,
checkpoints, verification) but not the entries.
"""

from __future__ import annotations

import dataclasses

from graphql import GraphQLError

from services.kit.principal import Principal
from services.kit.scopes import ACCESS_READ, PERSONAL
from services.ledger.personal import personal_subject_types
from services.ledger.query import Criteria

__all__ = ["Principal", "denied", "require_integrity_reader", "scoped"]


def denied(message: str, code: str = "FORBIDDEN") -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def scoped(criteria: Criteria, who: Principal) -> Criteria:
    """The criteria this principal may use for entries (an OPD's principal: that OPD only;
    access records — who read what — only with ``access:read``; an ``entityId`` that is a
    person's NIP only with ``personal:read``: without it such events do not match, or the
    filter would confirm which NIPs exist)."""
    if criteria.entity_id is not None and not who.may(PERSONAL):
        criteria = dataclasses.replace(criteria, hide_types=personal_subject_types())
    if not who.may(ACCESS_READ):
        if criteria.reads is not None:
            raise denied("reading access records needs the access:read scope")
        criteria = dataclasses.replace(criteria, hide_access=True)
    if not who.roles & {"auditor", "integrator"}:
        raise denied("operators see the ledger's integrity, not its entries")
    if who.opd is None:
        if "auditor" in who.roles:
            return criteria
        raise denied("an integrator principal needs an OPD")
    if criteria.opd is not None and criteria.opd != who.opd:
        raise denied(f"a principal of {who.opd} cannot read entries of {criteria.opd}")
    return dataclasses.replace(criteria, opd=who.opd)


def require_integrity_reader(who: Principal) -> None:
    if not who.roles & {"auditor", "operator"}:
        raise denied("verification is for auditors and operators")
