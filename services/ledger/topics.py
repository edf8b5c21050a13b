"""The topics the ledger consumes: every status topic of every catalog service, and the
gateway's access records."""

from __future__ import annotations

from collections.abc import Iterable


def status_topics(
    prefix: str, extra: Iterable[str] = (), *, exclude: Iterable[str] = ()
) -> list[str]:
    """``<prefix>.<service>.<family>`` for each available service's event families, plus
    ``extra``; never a dead-letter topic (``*.dlq``) nor one in ``exclude`` (the anchor)."""
    from services.catalog import CATALOG

    topics = set(extra)
    topics.add(f"{prefix}.gateway.access")  # the gateway's access records (who read what)
    for entry in CATALOG:
        spec = getattr(entry.load(), "SPEC", None)
        if spec is not None:
            topics.update(spec.topic(family, prefix) for family in spec.event_families)
    skip = set(exclude)
    return sorted(t for t in topics if not t.endswith(".dlq") and t not in skip)
