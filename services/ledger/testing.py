"""Valid status events for the ledger's tests and benchmark (as licensing and personnel
publish them; ids derived from the arguments), and the topics they go to."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from services.kit.envelope import Event, new_event
from services.kit.spec import EVENT_TYPE_PREFIX

_T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
_STATUSES = ("submitted", "verified", "approved")
_NS = uuid.UUID("0b6f3a52-5a43-4f0e-9d1c-7c8f7a1e2b10")


def permit_event(
    n: int,
    *,
    opd: str = "DPMPTSP",
    verifier: str = "JAB-DPMPTSP-0007",
    time: datetime | None = None,
) -> Event:
    """The ``n``-th status change of permit ``503/<n // 3>/DPMPTSP/2026``."""
    permit, step = n // 3, n % 3
    return new_event(
        type=f"{EVENT_TYPE_PREFIX}.licensing.permit.status_changed",
        source="/services/licensing",
        subject=f"503/{permit:04d}/DPMPTSP/2026",
        data={
            "permitId": f"503/{permit:04d}/DPMPTSP/2026",
            "permitType": "PBG",
            "verifierPositionId": verifier,
            "slaDeadline": "2026-04-10",
            "from": _STATUSES[step - 1] if step else None,
            "to": _STATUSES[step],
            "submittedOn": "2026-03-02",
            "decidedOn": "2026-03-20" if step == 2 else None,
            "upstreamChangedAt": "2026-03-02T01:00:00Z",
        },
        entity_version=step + 1,
        opd=opd,
        time=time or _T0 + timedelta(seconds=n),
        id=str(uuid.uuid5(_NS, f"permit/{opd}/{n}")),
    )


def mutation_event(
    n: int,
    *,
    position: str = "JAB-DPMPTSP-0007",
    previous: str = "JAB-BKD-0003",
    time: datetime | None = None,
) -> Event:
    """A civil servant moved into ``position`` (mutasi)."""
    nip = f"19800101200501{n % 10_000:04d}"
    return new_event(
        type=f"{EVENT_TYPE_PREFIX}.personnel.employee.mutated",
        source="/services/personnel",
        subject=nip,
        data={
            "nip": nip,
            "name": f"Pegawai {n}",
            "opd": "DPMPTSP",
            "decree": f"SK-{n}",
            "positionId": position,
            "previousPositionId": previous,
            "effectiveOn": "2026-03-01",
            "kind": "transfer",
            "upstreamChangedAt": "2026-03-01T00:00:00Z",
        },
        entity_version=n + 1,
        opd="BKD",
        time=time or _T0 + timedelta(seconds=n),
        id=str(uuid.uuid5(_NS, f"mutation/{n}")),
    )


def topic_of(event: Event, prefix: str) -> str:
    """The topic a service publishes ``event`` to: ``<prefix>.<service>.<family>``."""
    service, family = event["type"].removeprefix(EVENT_TYPE_PREFIX + ".").split(".")[:2]
    return f"{prefix}.{service}.{family}"
