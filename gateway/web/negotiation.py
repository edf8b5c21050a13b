"""Which media type to answer with, from the ``Accept`` header (GraphQL-over-HTTP §5).

``application/graphql-response+json`` only when the client asks for it at least as
strongly as ``application/json``; anything else (no header, ``*/*``, unknown types) gets
``application/json``, which legacy clients understand.
"""

from __future__ import annotations

from functools import lru_cache

from gateway.web.asgi import GRAPHQL_RESPONSE_JSON, JSON


@lru_cache(maxsize=256)
@lru_cache(maxsize=256)  # parsed once per distinct Accept value (clients send a handful)
def response_media_type(accept: str | None) -> bytes:
    if not accept:
        return JSON
    best, best_q = JSON, -1.0
    for part in accept.split(","):
        media, _, params = part.partition(";")
        media = media.strip().lower()
        if media == "application/graphql-response+json":
            candidate = GRAPHQL_RESPONSE_JSON
        elif media in ("application/json", "application/*", "*/*"):
            candidate = JSON
        else:
            continue
        q = _quality(params)
        if q > best_q:
            best, best_q = candidate, q
    return best if best_q > 0 else JSON


@lru_cache(maxsize=256)
def accepts_multipart(accept: str | None) -> bool:
    """The client reads incremental delivery: ``multipart/mixed`` in ``Accept`` (with
    ``deferSpec=20220824``, as Apollo Client and Apollo Router write it, or without any
    ``deferSpec``, as Hive Gateway accepts it), not refused with ``q=0``."""
    if not accept:
        return False
    for part in accept.split(","):
        media, _, params = part.partition(";")
        if media.strip().lower() != "multipart/mixed":
            continue
        spec = None
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "deferspec":
                spec = value.strip().strip('"')
        if spec in (None, "20220824") and _quality(params) > 0:
            return True
    return False


def accepts_html(accept: str | None) -> bool:
    """A browser navigating to the endpoint (wants a page, not a JSON response)."""
    return bool(accept) and "text/html" in accept.lower()  # type: ignore[union-attr]


def _quality(params: str) -> float:
    for param in params.split(";"):
        key, _, value = param.strip().partition("=")
        if key.strip().lower() == "q":
            try:
                return float(value)
            except ValueError:
                return 0.0
    return 1.0
