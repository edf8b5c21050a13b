"""``rumah run``'s start-up check: which engines of the chosen backend cannot be reached,
and what makes them reachable — said before the hub starts and again when it is up.

A TCP connection per address is enough to tell "nothing listens there" (the common case:
`make run BACKEND=kafka` without `make infra-up`); the services keep probing for real and
report through readiness.
"""

from __future__ import annotations

import socket
from collections.abc import Iterable
from dataclasses import replace
from urllib.parse import urlsplit

from services.kit.backends import BackendSettings
from services.kit.engines import Engine, engines_of, redact_url


def _hosts(addresses: Iterable[str], default_port: int) -> list[tuple[str, int]]:
    out = []
    for address in addresses:
        address = address.strip()
        if not address:
            continue
        host, colon, port = address.rpartition(":")
        if not colon or not port.isdigit():
            host, port = address, str(default_port)
        out.append((host.strip("[]"), int(port)))
    return out


def _mongo_hosts(url: str) -> list[tuple[str, int]] | None:
    """Host/port pairs of a ``mongodb://`` URL; None when they cannot be known (``+srv``)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme != "mongodb":
        return None
    hosts = parts.netloc.rpartition("@")[2]
    return _hosts(hosts.split(","), 27017)


def _any_listens(hosts: list[tuple[str, int]], timeout_s: float) -> bool:
    for host, port in hosts:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                return True
        except OSError:
            continue
    return False


def unreachable(settings: BackendSettings, timeout_s: float = 1.0) -> list[Engine]:
    """The engines of ``settings`` where nothing listens (the embedded backend has none)."""
    if settings.backend != "kafka":
        return []
    engines = engines_of(settings)
    # the hub as a whole: each service uses its own database on this server
    engines["store"] = replace(engines["store"], address=redact_url(settings.mongo_url))
    down = []
    mongo = _mongo_hosts(settings.mongo_url)
    if mongo is not None and not _any_listens(mongo, timeout_s):
        down.append(engines["store"])
    kafka = _hosts(settings.kafka_bootstrap.split(","), 9092)
    if not _any_listens(kafka, timeout_s):
        down.append(engines["log"])
    return down


def report(down: list[Engine]) -> str:
    """Lines for the terminal: each unreachable engine and what fixes it."""
    lines = []
    for engine in down:
        lines.append(f"  ✗ {engine.name} tidak dapat dijangkau / unreachable at {engine.address}")
        lines.append(f"      fix: {engine.fix}")
    return "\n".join(lines)
