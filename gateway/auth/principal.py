"""Who a request runs as: a subject, its roles and scopes, and for integrators the OPD
(agency) they act for. Every identity provider returns one of these."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal

Role = Literal["auditor", "integrator", "operator"]
ROLES: frozenset[str] = frozenset({"auditor", "integrator", "operator"})


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str  # the token's subject (or a static token's name); never the token
    roles: frozenset[str] = frozenset()
    scopes: frozenset[str] = frozenset()
    opd: str | None = None  # set: the principal reads only this OPD's records (subgraphs enforce)
    name: str | None = None  # a label for logs
    issuer: str = "static"  # which provider vouched for it
    # when the credential stops vouching for it (a JWT's exp; None: a static token). Not part
    # of its identity: equal principals share caches whatever their tokens' lifetimes.
    expires_at: float | None = field(default=None, compare=False)
    # What changes an answer: two principals with equal ``grants`` see the same data, so
    # plans and authorization decisions are cached by it (not by subject or token).
    grants: tuple[frozenset[str], frozenset[str], str | None] = field(init=False, repr=False)
    _hash: int = field(init=False, repr=False, compare=False)
    # how log lines name it (``issuer:subject``), made once
    log_label: str = field(init=False, repr=False, compare=False)
    # who this is across requests (rate limits): the issuer and the subject in one string,
    # made once (a string keeps its hash; a tuple would be hashed again on every request)
    key: str = field(init=False, repr=False, compare=False)
    # everything that makes it this principal (what ``==`` compares), as one JSON text: keys
    # that hash it per request (de-duplication, several times each) find its hash kept, not
    # ``__hash__`` called in Python nor a tuple of six fields hashed again
    identity: bytes = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "grants", (self.roles, self.scopes, self.opd))
        object.__setattr__(self, "log_label", f"{self.issuer}:{self.subject}")
        # the issuer's length first: no two (issuer, subject) pairs make the same string
        object.__setattr__(self, "key", f"{len(self.issuer)}:{self.issuer}:{self.subject}")
        # a principal keys several caches per request: hash it once
        fields = (self.subject, self.roles, self.scopes, self.opd, self.name, self.issuer)
        object.__setattr__(self, "_hash", hash(fields))
        # (a JSON array of strings and nulls: equal exactly when the fields are; ASCII, so a
        # claim holding a lone surrogate is a name like any other, not an error)
        whole = [self.subject, sorted(self.roles), sorted(self.scopes), self.opd, self.name]
        object.__setattr__(self, "identity", json.dumps([*whole, self.issuer]).encode())

    def __hash__(self) -> int:
        return self._hash

    @property
    def role(self) -> str | None:
        """The strongest of the known roles (auditor > operator > integrator), for logs."""
        for role in ("auditor", "operator", "integrator"):
            if role in self.roles:
                return role
        return None
