"""Rumah's scope catalogue: what a credential may read (docs/access.md explains each).

The gateway enforces scopes with ``@requiresScopes`` on the subgraphs' schemas (Apollo
Federation's authorization directives, carried into the supergraph); the identity provider
puts them in the token (``scope`` claim) and the static dev tokens list them. Roles are the
usual bundles of scopes.
"""

from __future__ import annotations

SERVICES = ("planning", "finance", "procurement", "licensing", "personnel", "registry")

READ = {name: f"{name}:read" for name in SERVICES}  # a service's records
PERSONAL = "personal:read"  # names, NIP, birth dates of people (ASN, applicants)
SYNC = "sync:read"  # sync status and quarantined upstream records (operations)
LEDGER_READ = "ledger:read"  # ledger entries and the change feed
LEDGER_VERIFY = "ledger:verify"  # head, checkpoints, chain verification
ACCESS_READ = "access:read"  # the access records: who read what

CATALOGUE: dict[str, str] = {
    **{scope: f"read the {name} service's records" for name, scope in READ.items()},
    PERSONAL: "read personal data: names, NIP, birth dates, sex (with the service's scope)",
    SYNC: "read sync status and quarantined upstream records",
    LEDGER_READ: "read ledger entries and follow the change feed",
    LEDGER_VERIFY: "read the ledger head and checkpoints, verify the chain",
    ACCESS_READ: "read access records (who read which data)",
}

ROLE_SCOPES: dict[str, frozenset[str]] = {
    "auditor": frozenset(CATALOGUE),
    "operator": frozenset({SYNC, LEDGER_VERIFY, READ["registry"]}),
    "integrator": frozenset({*READ.values(), LEDGER_READ}),
}
