"""Who a request runs as: a role and, for integrators, the OPD (agency) they act for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Role = Literal["auditor", "integrator", "operator"]
ROLES: frozenset[str] = frozenset({"auditor", "integrator", "operator"})


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    opd: str | None = None  # the integrator's OPD scope; subgraphs enforce it
    name: str | None = None  # a label for logs; never the token itself
