"""Reading every page of a list through the gateway, each page counted as one query."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

Ask = Callable[..., Awaitable[dict[str, Any]]]


async def follow_pages(
    first: dict[str, Any],
    more: Callable[[str], Awaitable[dict[str, Any]]],
    *,
    max_pages: int = 20,
) -> list[dict[str, Any]]:
    """Items of ``first`` (a page: ``items``, ``nextCursor``) and of the pages after it."""
    items = list(first["items"])
    cursor = first.get("nextCursor")
    pages = 1
    while cursor and pages < max_pages:
        page = await more(cursor)
        items.extend(page["items"])
        cursor = page.get("nextCursor")
        pages += 1
    return items
