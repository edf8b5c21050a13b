"""GraphQL types every subgraph shares: value types marked ``@shareable`` (identical in all
six subgraphs, so they compose) and the generic page."""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

import strawberry

T = TypeVar("T")


@strawberry.federation.type(
    shareable=True,
    description="Rekonsiliasi: perbandingan penuh salinan kanonik dengan aplikasi OPD "
    "(reconciliation: a slow full comparison of the canonical copy with the upstream).",
)
class ReconciliationStatus:
    running: bool
    passes: int = strawberry.field(description="Complete passes since the service started.")
    last_completed_at: datetime | None
    last_checked: int = strawberry.field(description="Records the last complete pass compared.")
    last_repaired: int = strawberry.field(
        description="Records the last complete pass found missing or older and wrote again."
    )
    repaired_total: int = strawberry.field(description="Records repaired since start.")
    last_error: str | None


@strawberry.federation.type(
    shareable=True,
    description="Sinkronisasi layanan dengan aplikasi OPD-nya "
    "(sync status of a service with its OPD application).",
)
class SyncStatus:
    service: str
    application_id: strawberry.ID
    last_sync_at: datetime | None = strawberry.field(
        description="When every upstream resource last completed a pull."
    )
    lag_seconds: float | None = strawberry.field(
        description="Seconds since lastSyncAt: how stale the canonical copy may be."
    )
    upstream_reachable: bool
    quarantined_count: int
    error_count: int
    last_error: str | None
    schema_drift: list[str] = strawberry.field(
        description="Upstream fields the mapping does not know (entity.field), each reported once."
    )
    reconciliation: ReconciliationStatus | None = strawberry.field(
        description="The periodic full comparison with the upstream; null when it is off."
    )


@strawberry.federation.type(
    shareable=True,
    description="Rekaman yang dikarantina: an upstream record that failed mapping or validation.",
)
class QuarantinedRecord:
    id: strawberry.ID
    entity: str
    upstream_id: str | None
    reason: str
    raw: str = strawberry.field(description="The raw upstream record, as JSON text.")
    first_seen: datetime
    last_seen: datetime
    count: int


@strawberry.type
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None = strawberry.field(
        description="Pass as `after` for the next page; null on the last."
    )
