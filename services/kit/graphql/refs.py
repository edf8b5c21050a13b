"""References to entities another subgraph defines; the gateway resolves their fields there.

A service that only points at such an entity returns ``Position(id=...)``; asking for
``holder`` through the gateway then reaches personnel, so the responsible official is
always whoever holds the position now.
"""

from __future__ import annotations

import strawberry
from strawberry.federation.schema_directives import FieldSet, Key


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("id"), resolvable=False)],
    description="Jabatan; defined by the personnel service.",
)
class Position:
    id: strawberry.ID


def position(position_id: str) -> Position:
    return Position(id=strawberry.ID(position_id))


@strawberry.federation.type(
    keys=[Key(fields=FieldSet("code"), resolvable=False)],
    description="Kegiatan; defined by planning.",
)
class Activity:
    code: strawberry.ID


def activity(code: str) -> Activity:
    return Activity(code=strawberry.ID(code))
